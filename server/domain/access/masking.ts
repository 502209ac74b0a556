import type { Customer, Order } from "../order.js";

/**
 * Masking of customers' personal data for roles that may not see it unmasked.
 *
 * - phone: the first 3 and last 4 digits stay, the rest become `*` (`13812344121` →
 *   `138****4121`); a phone of 7 characters or fewer keeps only its last 2.
 * - name: the first character stays, each other becomes `*` (`张三` → `张*`, `欧阳娜娜` →
 *   `欧***`); a one-character name becomes `*`.
 * - address: the province and city stay (up to and including the first 市/州/盟/地区 after the
 *   province, or the first two comma/space-separated parts of a Latin address), the rest
 *   becomes `****` (`浙江省杭州市西湖区文三路 90 号` → `浙江省杭州市****`). An address
 *   in which no province or city can be found is masked whole.
 *
 * The customer ID stays: it is the channel's buyer reference, not a name, and rules group by it.
 */
export function maskPhone(phone: string | null): string | null {
  if (phone === null || phone === "") return phone;
  const chars = [...phone];
  if (chars.length <= 7) return "*".repeat(Math.max(0, chars.length - 2)) + chars.slice(-2).join("");
  return chars.slice(0, 3).join("") + "*".repeat(chars.length - 7) + chars.slice(-4).join("");
}

/** A name with all but its first character masked (`张三` → `张*`). */
export function maskName(name: string | null): string | null {
  if (name === null || name === "") return name;
  const chars = [...name.trim()];
  if (chars.length <= 1) return "*";
  return chars[0] + "*".repeat(chars.length - 1);
}

const PROVINCE = /^(.{2,8}?(省|自治区|特别行政区)|北京市|天津市|上海市|重庆市|北京|天津|上海|重庆|香港|澳门)/u;
// 市 is tried first: many city names themselves end in 州 (杭州市, 广州市), which a lazy match on 州
// would cut short (`浙江省杭州****`); the other endings are for prefectures without a 市.
const CITY = [/^(.{1,10}?市)/u, /^(.{1,10}?(自治州|盟|地区|州))/u];

/** An address with only its province and city kept (`浙江省杭州市西湖区…` → `浙江省杭州市****`). */
export function maskAddress(address: string | null): string | null {
  if (address === null || address === "") return address;
  const text = address.trim();
  const province = PROVINCE.exec(text);
  if (province) {
    let kept = province[1];
    const rest = text.slice(kept.length);
    const city = CITY.map((re) => re.exec(rest)).find((m) => m !== null);
    if (city) kept += city[1];
    return kept.length < text.length ? `${kept}****` : kept;
  }
  // Latin addresses: "12 Main St, Springfield, IL" keeps the last two parts (city, region).
  const parts = text.split(/\s*,\s*/).filter(Boolean);
  if (parts.length >= 3) return `****, ${parts.slice(-2).join(", ")}`;
  return "****";
}

/** A customer with name, phone and address masked. */
export function maskCustomer(c: Customer): Customer {
  return {
    ...c,
    name: maskName(c.name),
    phone: maskPhone(c.phone),
    ...(c.address !== undefined ? { address: maskAddress(c.address) } : {}),
  };
}

/** Whether an order carries any personal data (so reading it unmasked is worth logging). */
export function hasPersonalData(o: Pick<Order, "customer">): boolean {
  return Boolean(o.customer.name || o.customer.phone || o.customer.address);
}

/** The order as a role without the unmasked-PII permission sees it. */
export function maskOrder(o: Order): Order {
  return { ...o, customer: maskCustomer(o.customer) };
}

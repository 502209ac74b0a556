import { DOMParser } from "@xmldom/xmldom";

const OFFICE_NS = "http://schemas.microsoft.com/office/appforoffice/1.1";
const XSI_NS = "http://www.w3.org/2001/XMLSchema-instance";

/** Children of <OfficeApp> a task-pane manifest must have, in the order the schema requires. */
const REQUIRED_ORDER = [
  "Id",
  "Version",
  "ProviderName",
  "DefaultLocale",
  "DisplayName",
  "Description",
  "IconUrl",
  "HighResolutionIconUrl",
  "SupportUrl",
  "AppDomains",
  "Hosts",
  "Requirements",
  "DefaultSettings",
  "Permissions",
];

/** The lowest ExcelApi version the add-in works with (triggerSource needs 1.14). */
export const MIN_EXCEL_API = "1.14";

function versionAtLeast(v: string, min: string): boolean {
  const a = v.split(".").map(Number);
  const b = min.split(".").map(Number);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  }
  return true;
}

function children(el: Element): Element[] {
  const out: Element[] = [];
  for (let n = el.firstChild; n; n = n.nextSibling) if (n.nodeType === 1) out.push(n as Element);
  return out;
}

function all(el: Element | Document, name: string): Element[] {
  return Array.from(el.getElementsByTagName(name) as unknown as ArrayLike<Element>);
}

/**
 * Structural checks of an XML add-in manifest that can run offline: well-formed XML, a
 * TaskPaneApp for the Workbook host, the required elements in schema order, a GUID ID and
 * four-part version, ExcelApi ≥ 1.14, HTTPS everywhere, every URL's origin listed in
 * AppDomains or equal to the source location's, every `resid` defined, and string lengths
 * within Office's limits. Returns the problems found (empty when the manifest is sound).
 */
export function checkManifestXml(xml: string): string[] {
  const problems: string[] = [];
  const parseErrors: string[] = [];
  const doc = new DOMParser({
    errorHandler: { warning: () => undefined, error: (m: string) => parseErrors.push(m), fatalError: (m: string) => parseErrors.push(m) },
  }).parseFromString(xml, "text/xml");
  if (parseErrors.length || !doc.documentElement) return [`not well-formed XML: ${parseErrors[0] ?? "empty document"}`];
  const root = doc.documentElement;
  if (root.localName !== "OfficeApp" || root.namespaceURI !== OFFICE_NS) return [`root element must be <OfficeApp xmlns="${OFFICE_NS}">`];
  if (root.getAttributeNS(XSI_NS, "type") !== "TaskPaneApp") problems.push('OfficeApp must have xsi:type="TaskPaneApp"');

  const names = children(root).map((c) => c.localName);
  let last = -1;
  for (const name of REQUIRED_ORDER) {
    const at = names.indexOf(name);
    if (at < 0) problems.push(`missing <${name}>`);
    else if (at < last) problems.push(`<${name}> is out of order (the schema wants: ${REQUIRED_ORDER.join(", ")})`);
    else last = at;
  }
  const text = (name: string) => children(root).find((c) => c.localName === name)?.textContent?.trim() ?? "";
  const attr = (name: string) => children(root).find((c) => c.localName === name)?.getAttribute("DefaultValue") ?? "";
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(text("Id"))) problems.push("<Id> must be a GUID");
  if (!/^\d+\.\d+\.\d+\.\d+$/.test(text("Version"))) problems.push("<Version> must have four numeric parts, e.g. 1.0.0.0");
  if (attr("DisplayName").length > 125) problems.push("<DisplayName> must be at most 125 characters");
  if (attr("Description").length > 250) problems.push("<Description> must be at most 250 characters");
  if (!["Restricted", "ReadDocument", "ReadAllDocument", "WriteDocument", "ReadWriteDocument"].includes(text("Permissions"))) {
    problems.push("<Permissions> must be one of Restricted, ReadDocument, ReadAllDocument, WriteDocument, ReadWriteDocument");
  }

  const hosts = children(root).find((c) => c.localName === "Hosts");
  const hostNames = hosts ? children(hosts).map((h) => h.getAttribute("Name")) : [];
  if (!hostNames.includes("Workbook")) problems.push('<Hosts> must contain <Host Name="Workbook"/>');
  const excelSet = all(root, "Set").find((s) => s.getAttribute("Name") === "ExcelApi");
  if (!excelSet) problems.push('<Requirements> must ask for <Set Name="ExcelApi" MinVersion="1.14"/>');
  else if (!versionAtLeast(excelSet.getAttribute("MinVersion") ?? "1.1", MIN_EXCEL_API)) problems.push(`ExcelApi MinVersion must be at least ${MIN_EXCEL_API}`);

  const source = all(root, "SourceLocation")[0]?.getAttribute("DefaultValue") ?? "";
  let sourceOrigin = "";
  try {
    sourceOrigin = new URL(source).origin;
  } catch {
    problems.push("<DefaultSettings><SourceLocation> must be an absolute URL");
  }
  const domains = all(root, "AppDomain").map((d) => d.textContent?.trim() ?? "");
  const urls = [...all(root, "*")].flatMap((el) => {
    const v = el.getAttribute("DefaultValue") ?? "";
    const isUrl = /Url$|Location$|^Image$|^bt:Image$|^Url$|^bt:Url$/.test(el.localName ?? "") || /^https?:/.test(v);
    return isUrl && v ? [{ el: el.localName, v }] : [];
  });
  for (const { el, v } of urls) {
    let origin: string;
    try {
      const u = new URL(v);
      origin = u.origin;
      if (u.protocol !== "https:") problems.push(`<${el}> ${v} must use https`);
    } catch {
      problems.push(`<${el}> ${v} is not an absolute URL`);
      continue;
    }
    if (origin !== sourceOrigin && !domains.includes(origin)) problems.push(`<${el}> ${v}: its origin is neither the source location's nor listed in <AppDomains>`);
  }

  const defined = new Set(all(root, "*").filter((e) => e.getAttribute("id") && e.parentNode && /Images|Urls|ShortStrings|LongStrings/.test((e.parentNode as Element).localName ?? "")).map((e) => e.getAttribute("id")!));
  for (const el of all(root, "*")) {
    const resid = el.getAttribute("resid");
    if (resid && !defined.has(resid)) problems.push(`resid "${resid}" of <${el.localName}> is not defined under <Resources>`);
  }
  for (const [group, limit] of [["ShortStrings", 125], ["LongStrings", 250]] as const) {
    for (const list of all(root, `bt:${group}`)) {
      for (const s of children(list)) {
        for (const v of [s.getAttribute("DefaultValue") ?? "", ...children(s).map((o) => o.getAttribute("Value") ?? "")]) {
          if (v.length > limit) problems.push(`${group} "${s.getAttribute("id")}" is longer than ${limit} characters`);
        }
      }
    }
  }
  return problems;
}

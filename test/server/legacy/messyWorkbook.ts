import ExcelJS from "exceljs";

/**
 * A hand-kept order sheet as teams really keep one, with the truth of every row written
 * out by hand (not computed by the code under test): a merged title, a note line, a blank
 * line, Chinese headers with a hidden 手机 column, money / dates / phones / quantities typed
 * every which way, free-text statuses, a blank row, a note row, a repeated header, an exact
 * duplicate, a conflicting duplicate, unreadable cells, a total row, and a second sheet.
 */

/** What a data row should come out as. */
export interface RowTruth {
  row: number;
  outcome: "import" | "skip" | "decide";
  /** The reason code expected (for skip and decide rows). */
  code?: string;
  order?: {
    channel: string;
    externalOrderId: string;
    totalAmount: string;
    placedAt: string | null;
    phone: string | null;
    quantity: number;
    carrier: string | null;
    waybillNo: string | null;
    status: string;
  };
}

type Cell = string | number | Date | null | { formula: string; result?: number };

/** Header row of the orders sheet (row 4). */
export const HEADERS = ["序号", "订单号", "平台", "下单时间", "客户姓名", "手机", "收货地址", "商品", "数量", "金额", "状态", "快递公司", "快递单号", "备注", "经办人"];

/** Sheet rows from row 5 on: the typed cells, then what they mean. */
const DATA: { cells: Cell[]; truth: Omit<RowTruth, "row"> }[] = [];

const imp = (
  cells: Cell[],
  o: { ch: string; id: string; amt: string; at: string | null; phone: string | null; qty: number; carrier: string | null; waybill: string | null; status: string },
) =>
  DATA.push({
    cells,
    truth: { outcome: "import", order: { channel: o.ch, externalOrderId: o.id, totalAmount: o.amt, placedAt: o.at, phone: o.phone, quantity: o.qty, carrier: o.carrier, waybillNo: o.waybill, status: o.status } },
  });
const skip = (cells: Cell[], code: string) => DATA.push({ cells, truth: { outcome: "skip", code } });
const decide = (cells: Cell[], code: string) => DATA.push({ cells, truth: { outcome: "decide", code } });

// 序号, 订单号, 平台, 下单时间, 客户姓名, 手机, 收货地址, 商品, 数量, 金额, 状态, 快递公司, 快递单号, 备注, 经办人
imp([1, "3301928374650001", "天猫", "2026/1/5 14:30", "张三", "+86 138 1234 5678", "浙江省杭州市西湖区文三路1号", "实木餐桌", "1件", "¥1,234.00", "已发", "顺丰", "SF1400000001", "", "小王"],
  { ch: "tmall", id: "3301928374650001", amt: "1234.00", at: "2026-01-05T06:30:00.000Z", phone: "13812345678", qty: 1, carrier: "SF", waybill: "SF1400000001", status: "in_transit" });
imp([2, "3301928374650002", "tmall", "2026-01-05 13:41", "李四", "138-2234-5678", "上海市浦东新区世纪大道100号", "餐椅", "4", "1234元", "发货了", "SF", "SF1400000002", "加急", "小王"],
  { ch: "tmall", id: "3301928374650002", amt: "1234.00", at: "2026-01-05T05:41:00.000Z", phone: "13822345678", qty: 4, carrier: "SF", waybill: "SF1400000002", status: "in_transit" });
imp([3, "DY20260106001", "抖音小店", "1月6日 19:16", "王五", 13912345678, "北京市朝阳区建国路8号", "茶几", 1, "￥1234", "shipped", "中通", "ZT7800000003", "", "小李"],
  { ch: "douyin", id: "DY20260106001", amt: "1234.00", at: "2026-01-06T11:16:00.000Z", phone: "13912345678", qty: 1, carrier: "ZTO", waybill: "ZT7800000003", status: "in_transit" });
imp([4, "PDD260106-0004", "拼多多", new Date(Date.UTC(2026, 0, 6, 9, 5)), "赵六", "0086-13712345678", "广东省深圳市南山区科技园", "床头柜", "2件", 1234.5, "付了", "", "", "", "小李"],
  { ch: "pinduoduo", id: "PDD260106-0004", amt: "1234.50", at: "2026-01-06T01:05:00.000Z", phone: "13712345678", qty: 2, carrier: null, waybill: null, status: "paid" });
imp([5, "WX0005", "小程序", "2026/1/7 8:00", "钱七", "137 2234 5678", "江苏省南京市鼓楼区中山路5号", "书架", "x2", "2,580.00", "出库了", "圆通快递", "YT5500000005", "", "小张"],
  { ch: "wechat", id: "WX0005", amt: "2580.00", at: "2026-01-07T00:00:00.000Z", phone: "13722345678", qty: 2, carrier: "YTO", waybill: "YT5500000005", status: "outbound_no_waybill" });
imp([6, "TM0006", "TM", 46030.5, "孙八", "(+86) 136 1234 5678", "四川省成都市武侯区天府大道", "衣柜", "1", "¥3,999", "退款中", "韵达", "YD3100000006", "客户说尺寸不对", "小张"],
  { ch: "tmall", id: "TM0006", amt: "3999.00", at: "2026-01-08T04:00:00.000Z", phone: "13612345678", qty: 1, carrier: "YD", waybill: "YD3100000006", status: "refund_requested" });
imp([7, "JD0007", "京东", "2026年1月8日 10:20", "周九", "13512345678", "湖北省武汉市洪山区珞喻路", "沙发", "两件", "8800元", "已签收", "京东快递", "JD0000000007", "", "小王"],
  { ch: "jd", id: "JD0007", amt: "8800.00", at: "2026-01-08T02:20:00.000Z", phone: "13512345678", qty: 2, carrier: "JD", waybill: "JD0000000007", status: "signed" });
imp([8, "TB0008", "淘宝", "2026-1-8", "吴十", "+8613412345678", "福建省厦门市思明区", "靠垫", "3件", "99.9", "待发货", "", "", "", "小王"],
  { ch: "taobao", id: "TB0008", amt: "99.90", at: "2026-01-07T16:00:00.000Z", phone: "13412345678", qty: 3, carrier: null, waybill: null, status: "paid" });
imp([9, "DY0009", "抖店", "1/9 21:05", "郑十一", "133-1234-5678", "山东省青岛市市南区", "地毯", 1, "￥ 459.00", "已完成", "中通快递", "ZT7800000009", "", "小李"],
  { ch: "douyin", id: "DY0009", amt: "459.00", at: "2026-01-09T13:05:00.000Z", phone: "13312345678", qty: 1, carrier: "ZTO", waybill: "ZT7800000009", status: "completed" });
imp([10, "PDD0010", "PDD", "2026/01/09 09:09:09", "冯十二", "132 1234 5678", "河南省郑州市金水区", "台灯", "1个", "RMB 59", "取消", "", "", "客户不要了", "小李"],
  { ch: "pinduoduo", id: "PDD0010", amt: "59.00", at: "2026-01-09T01:09:09.000Z", phone: "13212345678", qty: 1, carrier: null, waybill: null, status: "cancelled" });
skip([null, null, null, null, null, null, null, null, null, null, null, null, null, null, null], "blank_row");
imp([11, "TM0011", "天猫旗舰店", "2026/1/10 11:11", "陈十三", "131 1234 5678", "浙江省宁波市鄞州区", "餐边柜", "1件", "¥2,199.00", "已发货", "顺丰速运", "SF1400000011", "", "小王"],
  { ch: "tmall", id: "TM0011", amt: "2199.00", at: "2026-01-10T03:11:00.000Z", phone: "13112345678", qty: 1, carrier: "SF", waybill: "SF1400000011", status: "in_transit" });
imp([12, "WX0012", "微信小程序", "1月11日 8:30", "褚十四", "130-1234-5678", "安徽省合肥市蜀山区", "鞋柜", "1", "1688", "未发", "", "", "", "小张"],
  { ch: "wechat", id: "WX0012", amt: "1688.00", at: "2026-01-11T00:30:00.000Z", phone: "13012345678", qty: 1, carrier: null, waybill: null, status: "paid" });
skip(["以下为补录订单（1月12日以后）"], "note_row");
imp([13, "KS0013", "快手", "2026-01-12 16:45", "卫十五", "+86-150-1234-5678", "湖南省长沙市岳麓区", "电视柜", "1", "¥1,580.50", "已揽收", "极兔", "JT0000000013", "", "小张"],
  { ch: "kuaishou", id: "KS0013", amt: "1580.50", at: "2026-01-12T08:45:00.000Z", phone: "15012345678", qty: 1, carrier: "JTSD", waybill: "JT0000000013", status: "in_transit" });
imp([14, "TM0014", "天猫", "2026/1/12 17:00", "蒋十六", "151 1234 5678", "江西省南昌市东湖区", "餐桌", "1件", "¥1,234.00", "发货了", "SF", "SF1400000014", "", "小王"],
  { ch: "tmall", id: "TM0014", amt: "1234.00", at: "2026-01-12T09:00:00.000Z", phone: "15112345678", qty: 1, carrier: "SF", waybill: "SF1400000014", status: "in_transit" });
// The same row typed twice (with its own 序号): skipped as a duplicate of the one above.
skip([15, "TM0014", "天猫", "2026/1/12 17:00", "蒋十六", "151 1234 5678", "江西省南昌市东湖区", "餐桌", "1件", "¥1,234.00", "发货了", "SF", "SF1400000014", "", "小王"], "duplicate_row");
skip(HEADERS, "repeated_header");
// The same order number with another amount: a person decides which is right.
decide([16, "TM0014", "天猫", "2026/1/12 17:00", "蒋十六", "151 1234 5678", "江西省南昌市东湖区", "餐桌", "1件", "¥1,324.00", "发货了", "SF", "SF1400000014", "金额改了?", "小张"], "conflicting_duplicate");
decide([17, "YZ0017", "有赞", "2026/1/13 10:00", "沈十七", "152 1234 5678", "广西南宁市青秀区", "抱枕", "2", "128", "等客户回复", "", "", "", "小李"], "status_unknown");
decide([18, "XHS0018", "小红书", "2026/1/13 12:00", "韩十八", "153 1234 5678", "云南省昆明市五华区", "挂画", "1", "待定", "已付", "", "", "价格没谈好", "小李"], "money_invalid");
decide([19, null, "天猫", "2026/1/13 15:00", "杨十九", "155 1234 5678", "贵州省贵阳市云岩区", "花瓶", "1", "66", "已付", "", "", "单号忘记抄", "小王"], "order_id_missing");
imp([20, "TB0020", "淘宝", "2026.1.14 9:15", "朱二十", "156 1234 5678 ", "重庆市渝中区解放碑", "坐垫", "5件", "125.00元", "已付款", "", "", "", "小王"],
  { ch: "taobao", id: "TB0020", amt: "125.00", at: "2026-01-14T01:15:00.000Z", phone: "15612345678", qty: 5, carrier: null, waybill: null, status: "paid" });
decide([21, "TM0021", "闲鱼", "2026/1/14 10:00", "秦二一", "157 1234 5678", "天津市和平区", "旧椅子", "1", "300", "已发", "顺丰", "SF1400000021", "", "小张"], "channel_unknown");
imp([22, "DY0022", "douyin", "2026-01-14 22:10", "尤二二", "158-1234-5678", "陕西省西安市雁塔区", "落地灯", "1", "¥699", "签收了", "圆通", "YT5500000022", "", "小张"],
  { ch: "douyin", id: "DY0022", amt: "699.00", at: "2026-01-14T14:10:00.000Z", phone: "15812345678", qty: 1, carrier: "YTO", waybill: "YT5500000022", status: "signed" });
imp([23, "PDD0023", "拼多多", "1月15日 7:05", "许二三", "159 1234 5678", "河北省石家庄市长安区", "收纳盒", "10个", "¥45.5", "已退款", "", "", "", "小李"],
  { ch: "pinduoduo", id: "PDD0023", amt: "45.50", at: "2026-01-14T23:05:00.000Z", phone: "15912345678", qty: 10, carrier: null, waybill: null, status: "refunded" });
imp([24, "WX0024", "小程序", "2026/1/15 13:00", "何二四", "186 1234 5678", "辽宁省大连市中山区", "餐垫", "", "36", "已付", "", "", "", "小王"],
  { ch: "wechat", id: "WX0024", amt: "36.00", at: "2026-01-15T05:00:00.000Z", phone: "18612345678", qty: 1, carrier: null, waybill: null, status: "paid" });
skip(["合计", null, null, null, null, null, null, null, null, { formula: "SUM(J5:J30)", result: 28000 }, null, null, null, null, null], "total_row");
skip([null, null, null, null, null, null, null, null, null, null, null, null, null, null, null], "blank_row");
skip(["总计：24 单", null, null, null, null, null, null, null, null, null, null, null, null, null, null], "total_row");

/** The truth of every row below the header. */
export const TRUTH: RowTruth[] = DATA.map((d, i) => ({ row: 5 + i, ...d.truth }));

/** Builds the workbook: sheet 订单登记 (the orders) and 汇总 (a summary by platform). */
export async function buildMessyWorkbook(): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet("订单登记");
  ws.getCell("A1").value = "木语家居 2026年1月 订单登记表";
  ws.mergeCells("A1:O1");
  ws.getCell("A2").value = "说明：金额含运费；状态写 已付/已发/签收 等；有问题找小王。最后更新：1月15日";
  ws.mergeCells("A2:O2");
  HEADERS.forEach((h, j) => (ws.getRow(4).getCell(j + 1).value = h));
  DATA.forEach((d, i) => {
    const row = ws.getRow(5 + i);
    d.cells.forEach((c, j) => {
      if (c === null) return;
      row.getCell(j + 1).value = c as ExcelJS.CellValue;
    });
  });
  // A date typed as an Excel date with a date format, and the serial of row 10 with one too.
  ws.getCell("D8").numFmt = "yyyy-mm-dd hh:mm";
  ws.getCell("D10").numFmt = "yyyy/m/d h:mm";
  ws.getColumn(6).hidden = true;
  ws.getColumn(2).numFmt = "@";

  const sum = wb.addWorksheet("汇总");
  sum.addRow(["平台", "订单数", "金额"]);
  sum.addRow(["天猫", 5, 9900]);
  sum.addRow(["抖音", 3, 2392]);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

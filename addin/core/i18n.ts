/** Languages the task pane and the sheet can be shown in; zh-CN is the default. */
export const LANGS = ["zh-CN", "en"] as const;

/** A supported language. */
export type Lang = (typeof LANGS)[number];

/** The language used when none was chosen. */
export const DEFAULT_LANG: Lang = "zh-CN";

const zh = {
  // task pane
  "pane.title": "订单表",
  "pane.language": "语言",
  "connect.heading": "连接服务器",
  "connect.url": "服务器地址",
  "connect.token": "访问令牌",
  "connect.button": "连接",
  "connect.disconnect": "断开",
  "connect.connected": "已连接：{user}（{role}），工作区 {workspace}",
  "connect.editable": "你可以修改：{columns}",
  "connect.editableNone": "只读：你不能修改任何列",
  "connect.notConnected": "未连接",
  "view.heading": "选择视图",
  "view.channel": "渠道",
  "view.status": "状态",
  "view.region": "地区",
  "view.from": "下单日期从",
  "view.to": "至",
  "view.all": "全部",
  "actions.load": "加载",
  "actions.sync": "同步",
  "actions.autoSync": "自动同步",
  "progress.loading": "正在加载：已读取 {read} 行",
  "progress.writing": "正在写入：{done}/{total} 行",
  "progress.done": "完成：新增 {appended} 行，更新 {updated} 行，移出视图 {removed} 行",
  "progress.syncing": "正在同步……",
  "progress.idle": "就绪",
  "status.online": "在线",
  "status.offline": "离线：{count} 条修改等待发送",
  "conflicts.heading": "未解决的冲突",
  "conflicts.none": "没有冲突",
  "conflicts.keepMine": "保留我的",
  "conflicts.takeServer": "采用服务器的",
  "conflicts.entry": "{orderId} · {column}：我的「{mine}」，服务器「{theirs}」{by}",
  "conflicts.by": "（{who} 修改）",
  "alerts.heading": "预警",
  "alerts.none": "没有预警",
  "alerts.close": "关闭",
  "alerts.closed": "已关闭 {orderId} 的预警",
  "alerts.alreadyEnded": "{orderId} 的预警已结束",
  "errors.heading": "出错了",
  // sync column
  "sync.pending": "待同步",
  "sync.saved": "已保存",
  "sync.conflict": "冲突：{reason}",
  "sync.conflictBy": "冲突：{who} 已先改为「{theirs}」",
  "sync.conflictServer": "冲突：服务器上已是「{theirs}」",
  "sync.refusedMove": "已拒绝：状态不能从「{current}」改为「{mine}」",
  "sync.refused": "已拒绝：{reason}",
  "sync.allowed": "（可改为：{list}）",
  // local refusals
  "refuse.systemColumn": "「{column}」是系统列，不能在表格中修改",
  "refuse.noKey": "这一行没有订单号：新订单只能由服务器创建",
  "refuse.keyColumn": "隐藏的订单号和版本列不能修改",
  "refuse.unknownStatus": "「{value}」不是有效的状态",
  "refuse.role": "你的角色（{role}）不能修改「{column}」；你可以修改：{columns}",
  "refuse.noColumns": "访问策略不允许你的角色（{role}）修改任何列",
  "refuse.tooLong": "内容超过 2000 个字符",
  "refuse.readOnly": "只读令牌不能修改订单",
  // SLA
  "sla.red": "红",
  "sla.orange": "橙",
  "sla.green": "绿",
  "alert.level.red": "红色预警",
  "alert.level.orange": "橙色预警",
  "alert.level.yellow": "黄色预警",
  "alert.level.green": "绿色提示",
  // errors shown to staff
  "error.unreachable": "连不上服务器（{url}）。请检查地址和网络；修改会先保存在本地，恢复后自动发送。",
  "error.unauthorized": "服务器不接受这个访问令牌（已失效或输入有误），请向管理员索取新的令牌。",
  "error.forbidden": "你的角色无权执行此操作：{message}",
  "error.notFound": "服务器上找不到：{message}",
  "error.invalid": "服务器拒绝了请求：{message}",
  "error.conflict": "有人先修改了数据：{message}",
  "error.tooLarge": "一次发送的数据太多：{message}",
  "error.server": "服务器出错了（{status}），请稍后再试：{message}",
  "error.badResponse": "服务器的回复格式不对（{message}），可能版本不匹配。",
  "error.feedReload": "部分变更已超过保留期限被删除，无法逐条同步：正在重新加载视图。",
  "error.badUrl": "服务器地址无效：{url}",
  "error.excel": "Excel 操作失败：{message}",
  "error.tableChanged": "订单表的列被改动过（第 {column} 列应为「{expected}」），请撤销或删除 Orders 工作表后重新加载。",
  "error.notConnected": "请先连接服务器。",
  "error.sheetRenamed": "订单工作表被改名为「{name}」。请把它改回「{expected}」，然后再同步。",
  "error.oldExcel": "这个 Excel 版本太旧（需要 Excel 2021、Microsoft 365 或网页版 Excel），订单表无法在此运行。",
  // sheets
  "sheet.alerts.order": "订单号",
  "sheet.alerts.level": "级别",
  "sheet.alerts.message": "内容",
  "sheet.alerts.at": "时间",
  "sheet.conflicts.order": "订单号",
  "sheet.conflicts.column": "列",
  "sheet.conflicts.mine": "我的值",
  "sheet.conflicts.theirs": "服务器的值",
  "sheet.conflicts.by": "修改人",
  "sheet.conflicts.at": "修改时间",
  "sheet.conflicts.reason": "原因",
  "validation.title": "状态",
  "validation.message": "请从下拉列表中选择状态",  "sources.heading": "数据源",
  "sources.refresh": "刷新",
  "sources.loading": "正在读取数据源……",
  "sources.none": "还没有数据源",
  "sources.forbidden": "只有管理员、主管和审计员可以查看数据源",
  "sources.attention": "{count} 个数据源需要处理",
  "sources.allWell": "全部数据源正常",
  "sources.state.ok": "正常",
  "sources.state.paused": "已暂停",
  "sources.state.failing": "出错（连续 {count} 次）",
  "sources.state.never": "尚未运行",
  "sources.lastRun": "上次运行 {at}",
  "sources.nextRun": "下次 {at}",
  "sources.lag": "落后 {minutes} 分钟",
  "sources.counts": "拉取 {pulled} · 映射 {mapped} · 过滤 {filtered} · 未映射 {unmapped} · 失败 {dead}",
  "sources.unmapped": "未映射状态：{field} = {value}（{count} 次）",
  "sources.filtered": "规则 {rule} 过滤了 {field} = {value}（{count} 条）",
  "sources.error": "最近错误：{message}",
};

/** A message key. */
export type MessageKey = keyof typeof zh;

const en: Record<MessageKey, string> = {
  "pane.title": "Ordersheet",
  "pane.language": "Language",
  "connect.heading": "Connect to the server",
  "connect.url": "Server address",
  "connect.token": "Access token",
  "connect.button": "Connect",
  "connect.disconnect": "Disconnect",
  "connect.connected": "Connected: {user} ({role}), workspace {workspace}",
  "connect.editable": "You may change: {columns}",
  "connect.editableNone": "Read-only: you may change no column",
  "connect.notConnected": "Not connected",
  "view.heading": "Choose a view",
  "view.channel": "Channel",
  "view.status": "Status",
  "view.region": "Region",
  "view.from": "Placed from",
  "view.to": "to",
  "view.all": "All",
  "actions.load": "Load",
  "actions.sync": "Sync",
  "actions.autoSync": "Auto-sync",
  "progress.loading": "Loading: {read} rows read",
  "progress.writing": "Writing: {done}/{total} rows",
  "progress.done": "Done: {appended} rows added, {updated} updated, {removed} outside the view removed",
  "progress.syncing": "Syncing…",
  "progress.idle": "Ready",
  "status.online": "Online",
  "status.offline": "Offline: {count} edits waiting to be sent",
  "conflicts.heading": "Open conflicts",
  "conflicts.none": "No conflicts",
  "conflicts.keepMine": "Keep mine",
  "conflicts.takeServer": "Take the server's",
  "conflicts.entry": "{orderId} · {column}: mine \"{mine}\", server \"{theirs}\"{by}",
  "conflicts.by": " (changed by {who})",
  "alerts.heading": "Alerts",
  "alerts.none": "No alerts",
  "alerts.close": "Close",
  "alerts.closed": "Closed the alert of {orderId}",
  "alerts.alreadyEnded": "The alert of {orderId} had already ended",
  "errors.heading": "Something went wrong",
  "sync.pending": "Pending",
  "sync.saved": "Saved",
  "sync.conflict": "Conflict: {reason}",
  "sync.conflictBy": "Conflict: {who} changed it first to \"{theirs}\"",
  "sync.conflictServer": "Conflict: the server already holds \"{theirs}\"",
  "sync.refusedMove": "Refused: the status cannot go from \"{current}\" to \"{mine}\"",
  "sync.refused": "Refused: {reason}",
  "sync.allowed": " (allowed: {list})",
  "refuse.systemColumn": "\"{column}\" is a system column and cannot be changed in the sheet",
  "refuse.noKey": "This row has no order ID: new orders can only be created by the server",
  "refuse.keyColumn": "The hidden order ID and version columns cannot be changed",
  "refuse.unknownStatus": "\"{value}\" is not a valid status",
  "refuse.role": "Your role ({role}) may not change \"{column}\"; you may change: {columns}",
  "refuse.noColumns": "The access policy lets your role ({role}) change no column",
  "refuse.tooLong": "The text is longer than 2000 characters",
  "refuse.readOnly": "A read-only token cannot change orders",
  "sla.red": "red",
  "sla.orange": "orange",
  "sla.green": "green",
  "alert.level.red": "red alert",
  "alert.level.orange": "orange alert",
  "alert.level.yellow": "yellow alert",
  "alert.level.green": "green notice",
  "error.unreachable": "Cannot reach the server ({url}). Check the address and the network; edits are kept here and sent when it is back.",
  "error.unauthorized": "The server does not accept this access token (revoked or mistyped); ask your admin for a new one.",
  "error.forbidden": "Your role may not do this: {message}",
  "error.notFound": "Not found on the server: {message}",
  "error.invalid": "The server refused the request: {message}",
  "error.conflict": "Someone changed the data first: {message}",
  "error.tooLarge": "Too much data in one request: {message}",
  "error.server": "The server failed ({status}); try again later: {message}",
  "error.badResponse": "The server's answer has an unexpected shape ({message}); the versions may not match.",
  "error.feedReload": "Some changes passed their retention and were removed, so they cannot be synced one by one: reloading the view.",
  "error.badUrl": "Not a valid server address: {url}",
  "error.excel": "Excel could not do this: {message}",
  "error.tableChanged": "The Orders table's columns were changed (column {column} should be \"{expected}\"); undo that or delete the Orders sheet and load again.",
  "error.notConnected": "Connect to the server first.",
  "error.sheetRenamed": "The orders sheet was renamed to \"{name}\". Rename it back to \"{expected}\", then sync again.",
  "error.oldExcel": "This version of Excel is too old (Excel 2021, Microsoft 365 or Excel on the web is needed); Ordersheet cannot run here.",
  "sheet.alerts.order": "Order ID",
  "sheet.alerts.level": "Level",
  "sheet.alerts.message": "Message",
  "sheet.alerts.at": "At",
  "sheet.conflicts.order": "Order ID",
  "sheet.conflicts.column": "Column",
  "sheet.conflicts.mine": "Mine",
  "sheet.conflicts.theirs": "Server's",
  "sheet.conflicts.by": "Changed by",
  "sheet.conflicts.at": "Changed at",
  "sheet.conflicts.reason": "Reason",
  "validation.title": "Status",
  "validation.message": "Pick a status from the list",  "sources.heading": "Data sources",
  "sources.refresh": "Refresh",
  "sources.loading": "Reading the data sources…",
  "sources.none": "No data sources yet",
  "sources.forbidden": "Only admins, supervisors and auditors can see the data sources",
  "sources.attention": "{count} data source(s) need attention",
  "sources.allWell": "All data sources are well",
  "sources.state.ok": "OK",
  "sources.state.paused": "Paused",
  "sources.state.failing": "Failing ({count} in a row)",
  "sources.state.never": "Not run yet",
  "sources.lastRun": "Last run {at}",
  "sources.nextRun": "next {at}",
  "sources.lag": "{minutes} min behind",
  "sources.counts": "pulled {pulled} · mapped {mapped} · filtered {filtered} · unmapped {unmapped} · failed {dead}",
  "sources.unmapped": "Unmapped status: {field} = {value} ({count} times)",
  "sources.filtered": "Rule {rule} filtered {field} = {value} ({count} records)",
  "sources.error": "Last error: {message}",
};

const MESSAGES: Record<Lang, Record<MessageKey, string>> = { "zh-CN": zh, en };

/** Parameters substituted into `{name}` placeholders. */
export type MessageParams = Record<string, string | number>;

/** The text of `key` in `lang` with `{name}` placeholders filled from `params`. */
export function t(lang: Lang, key: MessageKey, params: MessageParams = {}): string {
  const template = MESSAGES[lang][key];
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

/** Whether `value` names a supported language. */
export function isLang(value: unknown): value is Lang {
  return typeof value === "string" && (LANGS as readonly string[]).includes(value);
}

/** Separator used between list items in each language. */
export function listSeparator(lang: Lang): string {
  return lang === "zh-CN" ? "、" : ", ";
}

/** Channel names as staff know them. */
const CHANNEL_LABELS: Record<string, { "zh-CN": string; en: string }> = {
  tmall: { "zh-CN": "天猫", en: "Tmall" },
  taobao: { "zh-CN": "淘宝", en: "Taobao" },
  jd: { "zh-CN": "京东", en: "JD" },
  douyin: { "zh-CN": "抖音", en: "Douyin" },
  kuaishou: { "zh-CN": "快手", en: "Kuaishou" },
  pinduoduo: { "zh-CN": "拼多多", en: "Pinduoduo" },
  youzan: { "zh-CN": "有赞", en: "Youzan" },
  xiaohongshu: { "zh-CN": "小红书", en: "Xiaohongshu" },
  wechat: { "zh-CN": "微信", en: "WeChat" },
  shopify: { "zh-CN": "Shopify", en: "Shopify" },
  shopee: { "zh-CN": "Shopee", en: "Shopee" },
  b2b: { "zh-CN": "B2B", en: "B2B" },
  offline: { "zh-CN": "线下", en: "Offline" },
  manual: { "zh-CN": "手工", en: "Manual" },
};

/** The display name of a channel (its code when unknown). */
export function channelLabel(channel: string, lang: Lang): string {
  return CHANNEL_LABELS[channel]?.[lang] ?? channel;
}

/** An alert level as staff read it (the level code when unknown). */
export function alertLevelLabel(level: string, lang: Lang): string {
  const key = `alert.level.${level}`;
  return key in MESSAGES[lang] ? t(lang, key as MessageKey) : level;
}

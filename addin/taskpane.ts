/// <reference types="office-js" />
import { LocalPaneStore } from "./app/LocalPaneStore.js";
import { PaneController } from "./app/PaneController.js";
import { SyncSession } from "./app/SyncSession.js";
import { ExcelSheetGateway } from "./excel/ExcelSheetGateway.js";
import { workbookId } from "./excel/workbookId.js";
import { PaneView } from "./ui/PaneView.js";
import { SourcesPanel } from "./app/SourcesPanel.js";
import { SourcesView } from "./ui/SourcesView.js";
import { DEFAULT_LANG } from "./core/i18n.js";
import { missingRequirements, unsupportedHostText } from "./core/hostSupport.js";
import { MIN_EXCEL_API, supports } from "./excel/prepareWorkbook.js";

/** Entry point of the task pane: wiring only. */
Office.onReady(async (info) => {
  if (info.host !== Office.HostType.Excel) return;
  const view = new PaneView(document);
  // The manifest asks for ExcelApi 1.14; hosts that load it anyway get a plain answer, not a crash.
  // WPS and Excel 2016/2019 load it too: say in both languages what is missing and what to use.
  const missing = missingRequirements(supports);
  if (missing.length || !supports(MIN_EXCEL_API)) {
    view.setLang(DEFAULT_LANG);
    view.showError(unsupportedHostText(missing));
    return;
  }
  const newId = () => crypto.randomUUID();
  const store = new LocalPaneStore(window.localStorage, await workbookId(newId));
  const gateway = new ExcelSheetGateway();
  const session = new SyncSession({ gateway, store, newId });
  const served = /^https?:$/.test(window.location.protocol) ? window.location.origin : undefined;
  const controller = new PaneController(view, session, gateway, store, undefined, served);
  view.bind({
    connect: (url, token) => void controller.connect(url, token),
    load: (filter) => void controller.load(filter),
    count: (filter) => void controller.count(filter),
    cancelLoad: () => controller.cancelLoad(),
    sync: () => void controller.sync(),
    setAutoSync: (on) => void controller.setAutoSync(on),
    setLang: (lang) => void controller.setLang(lang),
    keepMine: (id) => void controller.keepMine(id),
    takeServer: (id) => void controller.takeServer(id),
    selectConflict: (id) => void controller.selectConflict(id),
    selectAlert: (orderId) => void controller.selectAlert(orderId),
    closeAlert: (orderId, sourceId) => void controller.closeAlert(orderId, sourceId),
    filterTo: (kind) => void controller.filterTo(kind),
    resolveSelected: (how) => void controller.resolveSelected(how),
    selectRefusal: (index) => void controller.selectRefusal(index),
    clearRefusals: () => controller.clearRefusals(),
  });
  const sourcesView = new SourcesView(document);
  const sources = new SourcesPanel(sourcesView, store, () => session.lang, () => session.me?.timeZone ?? "Asia/Shanghai");
  sourcesView.bind({ open: () => void sources.refresh(), refresh: () => void sources.refresh() });
  await controller.start();
});

import { ApiClient } from "../api/ApiClient.js";
import { ApiError } from "../api/ApiError.js";
import { routes } from "../api/routes.js";
import { formatTime } from "../core/formatTime.js";
import { t, type Lang } from "../core/i18n.js";
import { savedConnection, type PaneStore } from "../core/PaneStore.js";
import { sourceLines, type SourceLine } from "../core/sourcesSummary.js";
import { describeError } from "./SyncSession.js";

/** What the panel shows; `addin/ui/SourcesView` implements it over the DOM. */
export interface SourcesViewPort {
  showNote(text: string): void;
  showSources(lines: SourceLine[], lang: Lang): void;
}

/** The calls the panel makes. */
export type SourcesApi = Pick<ApiClient, "call">;

/**
 * The 数据源 page: each connector's health (state, runs, lag, counts, unmapped statuses,
 * filtered values, last error) read with the workbook's connection when a supervisor opens
 * it or presses refresh. Roles that may not read connectors are told so in words.
 */
export class SourcesPanel {
  private loading = false;

  constructor(
    private readonly view: SourcesViewPort,
    private readonly store: PaneStore,
    private readonly lang: () => Lang,
    private readonly timeZone: () => string,
    private readonly makeApi: (url: string, token: string) => SourcesApi = (url, token) => new ApiClient({ baseUrl: url, token }),
  ) {}

  /** Reads every connector's health and shows it; one read at a time. */
  async refresh(): Promise<void> {
    if (this.loading) return;
    const lang = this.lang();
    const saved = savedConnection(this.store);
    if (!saved) {
      this.view.showNote(t(lang, "connect.notConnected"));
      return;
    }
    this.loading = true;
    this.view.showNote(t(lang, "sources.loading"));
    try {
      const api = this.makeApi(saved.url, saved.token);
      const { connectors } = await api.call(routes.listConnectors);
      const health = await Promise.all(connectors.map((c) => api.call(routes.connectorHealth, { params: { id: c.id } })));
      const tz = this.timeZone();
      this.view.showSources(sourceLines(health, lang, (iso) => formatTime(iso, tz)), lang);
    } catch (err) {
      this.view.showNote(err instanceof ApiError && err.status === 403 ? t(lang, "sources.forbidden") : describeError(err, lang));
    } finally {
      this.loading = false;
    }
  }
}

import { buildScaleHistory } from "./scaleHistory.js";
import { KnexAuditStore } from "../../server/db/KnexAuditStore.js";
const h = await buildScaleHistory({ url: "postgres://postgres@127.0.0.1:5432/postgres", yearDb: "bench_year", emptyDb: "bench_empty", orders: Number(process.argv[2]), log: console.log });
console.log(h.buildSeconds, h.phases, h.databaseBytes, h.tableBytes);
const t = performance.now();
console.log(await new KnexAuditStore(h.year.knex).verify("default"), (performance.now() - t) / 1000);
await h.year.knex.destroy(); await h.empty.knex.destroy();

import { buildScaleHistory } from "./scaleHistory.js";
const h = await buildScaleHistory({ url: "postgres://postgres@127.0.0.1:5432/postgres", yearDb: process.argv[3], emptyDb: process.argv[4], orders: Number(process.argv[2]), log: console.log });
console.log(JSON.stringify({ build: h.buildSeconds, phases: h.phases, db: h.databaseBytes, tables: h.tableBytes }));
await h.year.knex.destroy(); await h.empty.knex.destroy();

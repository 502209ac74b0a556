import type { WaybillSource } from "../domain/connectors/waybills.js";
import { FiledropConnector } from "./filedrop/FiledropService.js";
import { JushuitanConnector } from "./jushuitan/JushuitanConnector.js";
import { KdniaoConnector } from "./kdniao/KdniaoConnector.js";
import type { Connector } from "./sdk/Connector.js";
import { ShopifyConnector } from "./shopify/ShopifyConnector.js";
import { WangdiantongConnector } from "./wangdiantong/WangdiantongConnector.js";
import { YouzanConnector } from "./youzan/YouzanConnector.js";

/** Every connector implementation the server and `npm run connectors` know, one per kind (Kdniao reads the waybills it follows through `waybills`). */
export function allConnectors(waybills: WaybillSource): Connector<any, any, any>[] {
  return [
    new ShopifyConnector(),
    new JushuitanConnector(),
    new YouzanConnector(),
    new WangdiantongConnector(),
    new KdniaoConnector(waybills),
    new FiledropConnector(),
  ];
}

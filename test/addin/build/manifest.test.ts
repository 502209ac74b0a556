import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { convert } from "office-addin-manifest-converter";
import { checkManifestXml } from "../../../addin/build/checkManifestXml.js";
import { DEV_ORIGIN, manifestFor } from "../../../addin/build/manifestFor.js";
import { checkJsonManifest, JSON_MANIFEST_VERSION, validateManifest } from "../../../addin/build/validateManifest.js";

const xml = fs.readFileSync("manifest.xml", "utf8");

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "ordersheet-manifest-test-"));
}

/** The checked-in manifest with one string replaced (which must occur). */
function variant(from: string | RegExp, to: string): string {
  const out = xml.replace(from, to);
  assert.notEqual(out, xml, `${String(from)} occurs in manifest.xml`);
  return out;
}

describe("manifest.xml", function () {
  it("passes the offline validation: structure, and the converted JSON manifest against its schema", async function () {
    this.timeout(30_000);
    assert.deepEqual(await validateManifest("manifest.xml"), []);
  });

  it("is a Workbook task pane that needs ExcelApi 1.14 and loads from the dev origin over HTTPS", function () {
    assert.match(xml, /xsi:type="TaskPaneApp"/);
    assert.match(xml, /<Host Name="Workbook"\/>/);
    assert.match(xml, /<Set Name="ExcelApi" MinVersion="1.14"\/>/);
    assert.match(xml, new RegExp(`<SourceLocation DefaultValue="${DEV_ORIGIN}/addin/taskpane.html"/>`));
  });
});

describe("checkManifestXml", function () {
  it("finds nothing wrong with the checked-in manifest", function () {
    assert.deepEqual(checkManifestXml(xml), []);
  });

  it("names each structural problem", function () {
    assert.deepEqual(checkManifestXml(variant('<Host Name="Workbook"/>', '<Host Name="Document"/>')), ['<Hosts> must contain <Host Name="Workbook"/>']);
    assert.deepEqual(checkManifestXml(variant('<Set Name="ExcelApi" MinVersion="1.14"/>', '<Set Name="ExcelApi" MinVersion="1.7"/>')), ["ExcelApi MinVersion must be at least 1.14"]);
    assert.deepEqual(checkManifestXml(variant('resid="Group.Label"', 'resid="Group.Missing"')), ['resid "Group.Missing" of <Label> is not defined under <Resources>']);
    assert.deepEqual(checkManifestXml(variant("<Id>6f1c2b0e-4d7a-4c53-9a51-2f0e8f3b7c41</Id>", "<Id>ordersheet</Id>")), ["<Id> must be a GUID"]);
    const http = checkManifestXml(variant('<IconUrl DefaultValue="https://localhost:3443/', '<IconUrl DefaultValue="http://localhost:3443/'));
    assert.ok(http.some((p) => p === "<IconUrl> http://localhost:3443/addin/assets/icon-32.png must use https"), http.join("\n"));
    const foreign = checkManifestXml(variant('<SupportUrl DefaultValue="https://localhost:3443/', '<SupportUrl DefaultValue="https://elsewhere.example/'));
    assert.deepEqual(foreign, ["<SupportUrl> https://elsewhere.example/addin/help.html: its origin is neither the source location's nor listed in <AppDomains>"]);
    const order = checkManifestXml(variant(/(<Version>0\.1\.0\.0<\/Version>)\s*(<ProviderName>Ordersheet<\/ProviderName>)/, "$2$1"));
    assert.ok(order.some((p) => p.startsWith("<ProviderName> is out of order") || p.startsWith("<Version> is out of order")), order.join("\n"));
    const broken = checkManifestXml("<OfficeApp");
    assert.equal(broken.length, 1);
    assert.match(broken[0], /^not well-formed XML/);
  });
});

describe("checkJsonManifest", function () {
  it("validates the converted manifest against the bundled schema and reports what is wrong", async function () {
    this.timeout(30_000);
    const out = tmp();
    await convert("manifest.xml", out, false, `https://developer.microsoft.com/json-schemas/teams/v${JSON_MANIFEST_VERSION}/MicrosoftTeams.schema.json`, JSON_MANIFEST_VERSION, false);
    const manifest = JSON.parse(fs.readFileSync(path.join(out, "manifest.json"), "utf8")) as Record<string, unknown>;
    assert.deepEqual(await checkJsonManifest(manifest), []);
    const broken = { ...manifest, id: "not-a-guid" } as Record<string, unknown>;
    delete broken.name;
    const problems = await checkJsonManifest(broken);
    assert.equal(problems.length, 2, problems.join("\n"));
    assert.ok(problems.some((p) => p.includes("'name'")));
    assert.ok(problems.some((p) => p.includes("/id must match pattern")));
  });
});

describe("manifestFor", function () {
  it("moves every URL to the production origin and stays valid", async function () {
    this.timeout(30_000);
    const prod = manifestFor(xml, "https://orders.example.com/some/path");
    assert.ok(!prod.includes("localhost"), "no dev URL is left");
    assert.match(prod, /<SourceLocation DefaultValue="https:\/\/orders.example.com\/addin\/taskpane.html"\/>/);
    assert.match(prod, /<AppDomain>https:\/\/orders.example.com<\/AppDomain>/);
    const idOf = (m: string) => /<Id>([0-9a-f-]{36})<\/Id>/.exec(m)?.[1];
    assert.ok(idOf(prod) && idOf(prod) !== idOf(xml), "a production add-in has an Id of its own, so it installs beside the dev one");
    assert.equal(idOf(manifestFor(xml, "https://orders.example.com")), idOf(prod), "the same host always gets the same Id");
    assert.notEqual(idOf(manifestFor(xml, "https://other.example.com")), idOf(prod));
    assert.match(idOf(prod)!, /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const file = path.join(tmp(), "manifest.prod.xml");
    fs.writeFileSync(file, prod);
    assert.deepEqual(await validateManifest(file), []);
  });

  it("refuses a host that is not HTTPS", function () {
    assert.throws(() => manifestFor(xml, "http://orders.example.com"), /must be served over https/);
  });
});

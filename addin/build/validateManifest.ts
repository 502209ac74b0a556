import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { AppManifestUtils } from "@microsoft/app-manifest";
import { convert } from "office-addin-manifest-converter";
import { checkManifestXml } from "./checkManifestXml.js";

/** The unified (JSON) manifest version the XML is converted to and validated against, offline. */
export const JSON_MANIFEST_VERSION = "1.23";

const SCHEMA_BASE = `https://developer.microsoft.com/json-schemas/teams/v${JSON_MANIFEST_VERSION}`;

/** Validates a unified (JSON) manifest against the schema bundled in @microsoft/app-manifest, offline. */
export async function checkJsonManifest(manifest: Record<string, unknown>): Promise<string[]> {
  const errors: string[] = await AppManifestUtils.validateAgainstSchema(manifest as never);
  return errors.map((e) => `JSON manifest.json:${e}`);
}

/**
 * Validates an XML add-in manifest without the internet: the structural checks of
 * `checkManifestXml`, then a conversion to the unified JSON manifest with
 * office-addin-manifest-converter, validated with the JSON schema bundled in
 * @microsoft/app-manifest (localization files are checked by shape). Returns the problems found.
 */
export async function validateManifest(xmlPath: string): Promise<string[]> {
  const xml = await fs.readFile(xmlPath, "utf8");
  const problems = checkManifestXml(xml).map((p) => `XML: ${p}`);
  if (problems.some((p) => p.includes("well-formed") || p.includes("root element"))) return problems;

  const out = await fs.mkdtemp(path.join(os.tmpdir(), "ordersheet-manifest-"));
  try {
    await convert(xmlPath, out, false, `${SCHEMA_BASE}/MicrosoftTeams.schema.json`, JSON_MANIFEST_VERSION, false);
    const files = await fs.readdir(out);
    if (!files.includes("manifest.json")) return [...problems, "JSON: the converter produced no manifest.json"];
    const manifest = JSON.parse(await fs.readFile(path.join(out, "manifest.json"), "utf8")) as Record<string, unknown>;
    problems.push(...(await checkJsonManifest(manifest)));
    // Localization files: the bundled localization schemas carry a pattern ajv cannot compile
    // in unicode mode, so they are checked by shape: string values for known manifest paths.
    for (const file of files.filter((f) => f.endsWith(".json") && f !== "manifest.json")) {
      const strings = JSON.parse(await fs.readFile(path.join(out, file), "utf8")) as Record<string, unknown>;
      for (const [key, value] of Object.entries(strings)) {
        if (key === "$schema") continue;
        if (typeof value !== "string") problems.push(`JSON ${file}: ${key} must be a string`);
        if (!/^(name|description|extensions)[.[]/.test(key)) problems.push(`JSON ${file}: ${key} is not a localizable manifest path`);
      }
    }
  } catch (err) {
    problems.push(`JSON: conversion failed: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    await fs.rm(out, { recursive: true, force: true });
  }
  return problems;
}

import os from "node:os";
import path from "node:path";
import { ensureCertificatesAreInstalled } from "office-addin-dev-certs";

const dir = path.join(os.homedir(), ".office-addin-dev-certs");

/**
 * `npm run certs`: creates the localhost development certificate (and trusts its CA;
 * on Linux that step runs `sudo`) in ~/.office-addin-dev-certs, where server/http/tls.ts reads it.
 */
try {
  await ensureCertificatesAreInstalled(365);
  console.log(`certificate, key and CA written to ${dir} (localhost.crt, localhost.key, ca.crt)`);
} catch (err) {
  console.error(`Could not create or trust the dev certificate: ${err instanceof Error ? err.message : String(err)}`);
  console.error("Run it again from a terminal where sudo can ask for your password, or trust ca.crt by hand.");
  process.exit(1);
}

import type { WorkflowDefinition } from "../../server/contracts/workflow.js";
import type { Lang } from "./i18n.js";

/** The part of a workflow definition the sheet needs: state codes and their labels. */
export type StatusSource = Pick<WorkflowDefinition, "states">;

/**
 * Translates between status codes (what the server stores and edits carry) and the
 * labels staff see in the sheet, in either language.
 */
export class StatusBook {
  private readonly byCode = new Map<string, { "zh-CN": string; en: string }>();
  private readonly byText = new Map<string, string>();

  constructor(flow: StatusSource) {
    for (const s of flow.states) {
      this.byCode.set(s.code, s.labels);
      // Codes win over labels so a label that happens to equal another state's code cannot shadow it.
      for (const text of [s.labels["zh-CN"], s.labels.en]) {
        const key = normalise(text);
        if (!this.byText.has(key)) this.byText.set(key, s.code);
      }
    }
    for (const s of flow.states) this.byText.set(normalise(s.code), s.code);
  }

  /** The label of `code` in `lang`; the code itself when the workflow does not know it. */
  label(code: string, lang: Lang): string {
    return this.byCode.get(code)?.[lang] ?? code;
  }

  /** The state code a cell text stands for (a label in either language, or a code), if any. */
  code(text: string): string | undefined {
    return this.byText.get(normalise(text));
  }

  /** Every label in `lang`, in definition order (the dropdown list). */
  labels(lang: Lang): string[] {
    return [...this.byCode.values()].map((l) => l[lang]);
  }

  /** Every state code, in definition order. */
  codes(): string[] {
    return [...this.byCode.keys()];
  }
}

function normalise(text: string): string {
  return text.trim().toLowerCase();
}

import { writeFileSync } from "node:fs";
import path from "node:path";
import { studyHtml, studyMarkdown, type StudyView } from "./study-page.js";

/**
 * A study's files: study.json (every point, its run's folder, the fits), study.md and study.html drawn from one view.
 * Called after every point, so a study stopped half-way keeps what it measured.
 */
export function writeStudy(dir: string, study: object, view: StudyView, base = "study"): { json: string; md: string; html: string } {
  const files = { json: path.join(dir, `${base}.json`), md: path.join(dir, `${base}.md`), html: path.join(dir, `${base}.html`) };
  writeFileSync(files.json, `${JSON.stringify(study, null, 1)}\n`);
  writeFileSync(files.md, studyMarkdown(view));
  writeFileSync(files.html, studyHtml(view));
  return files;
}

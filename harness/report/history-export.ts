import { createWriteStream } from "node:fs";
import path from "node:path";
import { outcomeName, type WriteLedger } from "../measure/ledger.js";

function writeLines(file: string, header: string, rows: Iterable<string>): Promise<void> {
  return new Promise((resolve, reject) => {
    const out = createWriteStream(file);
    out.on("error", reject);
    out.write(header + "\n");
    for (const r of rows) out.write(r + "\n");
    out.end(resolve);
  });
}

/**
 * The raw history, so anyone can recheck a verdict without the harness: one line per write (id, key, value, intended
 * start and reply time in ms on the run clock, outcome), and the final read-back of every key (empty = absent).
 */
export async function exportHistory(dir: string, ledger: WriteLedger, values: Array<string | null>): Promise<{ history: string; readback: string }> {
  const history = path.join(dir, "history.csv");
  const readback = path.join(dir, "readback.csv");
  function* ops() {
    for (let id = 0; id < ledger.size; id++) {
      yield `${id},${ledger.key(id)},${ledger.value(id)},${ledger.intendedMsOf(id)},${ledger.replyMsOf(id)},${outcomeName(ledger.outcomeOf(id))}`;
    }
  }
  function* reads() {
    for (let id = 0; id < ledger.size; id++) yield `${ledger.key(id)},${values[id] ?? ""}`;
  }
  await writeLines(history, "id,key,value,intended_ms,reply_ms,outcome", ops());
  await writeLines(readback, "key,value", reads());
  return { history, readback };
}

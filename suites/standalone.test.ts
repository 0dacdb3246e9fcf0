import { suite } from "./suite.js";

// Every standalone scenario, as declared in standalone.json, must meet its budgets on this machine.
suite("standalone.json", {
  "standalone-bgsave": (t, { report }) => {
    t.true((report.faults[0].details.forkUs as number) > 0, "the fork time was read from the server");
    t.is(report.reads?.stale, 0, "reads from the primary never miss an acknowledged write");
    t.is(report.dataLoss?.lost, 0);
  },
});

// Imported first by every entry point: sets what testcontainers reads at module load.
import { exportTestcontainersEnv } from "./settings.js";
exportTestcontainersEnv();

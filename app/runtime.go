package app

import (
	"os"
	"runtime/debug"
)

// GCPercent is the collector's target that newsbot sets when GOGC does not
// say otherwise: the heap may grow 75 % over what a collection left live
// before the next one starts, not Go's 100 %. A tick's garbage is most of
// what newsbot allocates, so the peak is what this bounds: at 10,000
// sources it keeps a steady-state cycle under 200 MB resident for a few
// percent more CPU (see docs/performance.md). Prometheus
// sets the same for the same reason.
const GCPercent = 75

// TuneGC sets GCPercent unless the environment sets GOGC.
func TuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(GCPercent)
	}
}

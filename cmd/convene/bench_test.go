package main

import "testing"

func TestBenchStaticConfig(t *testing.T) {
	for v, want := range map[string]bool{"": false, "0": false, "1": true, "true": true} {
		cfg, err := loadConfig(envFrom(map[string]string{"CONVENE_BENCH_STATIC": v}))
		if err != nil || cfg.BenchStatic != want {
			t.Errorf("CONVENE_BENCH_STATIC=%q: BenchStatic %v, %v; want %v", v, cfg.BenchStatic, err, want)
		}
	}
	if _, err := loadConfig(envFrom(map[string]string{"CONVENE_BENCH_STATIC": "yes"})); exitCode(err) != 2 {
		t.Fatalf("CONVENE_BENCH_STATIC=yes: %v, want a usage error", err)
	}
}

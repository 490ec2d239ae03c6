package config_test

import (
	"fmt"

	"github.com/ordertrack/ordertrack/config"
)

// Load layers defaults, the file, the environment and flag overrides.
func ExampleLoad() {
	environ := []string{"ORDERTRACK_SLA__PROCESSING=12h", "HOME=/home/me"}
	flags := map[string]string{"sla.shipping": "2 days"}
	cfg, err := config.Load("../config.yaml", environ, flags)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(cfg.SLA.Processing, cfg.SLA.Shipping, cfg.SLA.Delivery, cfg.Embedded())

	_, err = config.Load("../config.yaml", nil, map[string]string{"sla.procesing": "1h"})
	fmt.Println(err)
	// Output:
	// 12h0m0s 48h0m0s 168h0m0s true
	// config key "sla.procesing": unknown key (flag --sla.procesing); did you mean --sla.processing?
}

func ExampleParseDuration() {
	for _, s := range []string{"1h30m", "3d", "1.5d", "30 seconds", "1 week", "30"} {
		d, err := config.ParseDuration(s)
		fmt.Println(d, err)
	}
	// Output:
	// 1h30m0s <nil>
	// 72h0m0s <nil>
	// 36h0m0s <nil>
	// 30s <nil>
	// 168h0m0s <nil>
	// 0s invalid duration "30": missing unit after 30, e.g. 30s
}

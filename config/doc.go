// Package config loads, checks and describes the ordertrack configuration.
//
// It is the only package that knows about koanf: everything else receives a
// typed, validated Config.
//
// # Layers
//
// Load merges four layers, each overriding the one before:
//
//  1. the built-in defaults (Default);
//  2. a YAML file (config.yaml in the working directory if present, or the
//     file named with --config);
//  3. environment variables ORDERTRACK_<SECTION>__<KEY>, with "__" between
//     levels: ORDERTRACK_SLA__PROCESSING=12h sets sla.processing and
//     ORDERTRACK_NATS__EMBEDDED__STORE_DIR=/x sets nats.embedded.store_dir;
//  4. overrides from command-line flags such as --sla.processing=12h:
//     AddFlags registers one pflag flag per key and LoadFlags reads those
//     set on the command line through koanf's posflag provider (Load takes
//     them as a map instead).
//
// # Data flow
//
// Each layer is read into a flat map of dotted keys. Every key is checked
// against the fields of Config (found from its koanf tags) and every value
// is converted to its field's type, so an unknown key or a bad value is
// reported with the key and the layer it came from, all problems at once.
// The checked layers are merged in koanf and decoded into a Config with a
// mapstructure hook for durations, and Validate then checks ranges, enums
// and the rules between keys.
//
// Durations accept Go syntax ("1h30m"), days and weeks ("3d", "1w",
// "1.5d") and the Spark style of the original ("30 seconds", "3 days");
// see ParseDuration. Keys lists every key with its default and help text,
// from which the command line builds its flags.
package config

// Package deploy holds ordertrack's deployment files (SPEC 15) and the
// tests that check them as far as a build machine can: the nats-server
// configuration is accepted as `nats-server -t` accepts it and the 3-node
// cluster it describes runs (in-process, ports rewritten, throwaway TLS
// certificates) with the least-privilege ordertrack user; the ordertrack
// configurations load with package config; the Kubernetes manifests, the
// Helm values and the compose file parse and agree with each other; the
// systemd unit has its hardening keys and passes systemd-analyze verify
// where that tool exists; the pod mounts its ConfigMap as a directory (live
// reload), sets GOMEMLIMIT below its memory limit and passes no secret as an
// argument; the Dockerfile's go build gives a static binary; the alert
// rules pass promtool's check and their unit tests (one per alert), and no
// alert or dashboard panel names a metric ordertrack does not export. The
// package has no code of its own.
//
//	nats/nats-server.conf     one node of the 3-node cluster (TLS, JetStream)
//	nats/accounts.conf        accounts and users, the ordertrack permissions
//	config.yaml               ordertrack on that cluster (systemd)
//	systemd/ordertrack.service
//	kubernetes/ordertrack.yaml  Deployment, ConfigMap, Secret, PDB, Service
//	kubernetes/kustomization.yaml the image to deploy
//	kubernetes/nats-values.yaml values of the official nats Helm chart
//	compose/compose.yaml      local 3-node cluster and two instances
//	compose/ordertrack/       their config.yaml, mounted as a directory
//	Dockerfile                static binary (CGO_ENABLED=0), distroless
//	prometheus/alerts.yaml    alerting rules; alerts_test.yaml their promtool tests
//	grafana/ordertrack.json   the Grafana dashboard
package deploy

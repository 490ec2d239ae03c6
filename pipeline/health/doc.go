// Package health runs the checks of 'ordertrack health': NATS, JetStream,
// the server version, every stream, the ORDERS bucket, the consumers and
// their progress. Each check reports its name and either the detail shown
// on success or an error; a *contract.Problem error says how to fix it, a *Warning
// (a check that passed close to a limit) how to avoid the trouble, and an
// error wrapping ErrSkipped says why the check did not run. The command
// prints the results; this package prints nothing.
//
//	New(cfg, dial) -> Checker.Run(ctx, report) -> report(name, detail, err) per check
package health

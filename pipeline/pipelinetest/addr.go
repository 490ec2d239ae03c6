package pipelinetest

import (
	"net"
	"testing"
)

// Occupy listens on a free loopback port until the test ends and returns
// its address: a port that is certainly taken, for tests of a clash.
func Occupy(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln.Addr().String()
}

// UnusedAddr returns a loopback address that nothing listens on right now,
// for a test that asserts nothing will (a refused start) or that a client
// finds nobody there. Never hand it to a server that should listen: the
// port is free only until another test takes it. Give such a server
// "127.0.0.1:0" and read the address it bound back instead, or keep a
// listener open and hand it over.
func UnusedAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

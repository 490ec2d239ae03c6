package kv

import "testing"

func TestNames(t *testing.T) {
	if got := StreamName("ORDERS"); got != "KV_ORDERS" {
		t.Errorf("StreamName = %q, want KV_ORDERS", got)
	}
	for key, want := range map[string]string{"ORD-1": "$KV.ORDERS.ORD-1", ">": "$KV.ORDERS.>", "": "$KV.ORDERS."} {
		if got := KeySubject("ORDERS", key); got != want {
			t.Errorf("KeySubject(ORDERS, %q) = %q, want %q", key, got, want)
		}
	}
}

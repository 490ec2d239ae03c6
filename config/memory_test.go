package config

import "testing"

func TestMemoryLimitLoads(t *testing.T) {
	c, err := Load(writeFile(t, "instance:\n  memory_limit: 1200MiB\n"), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := c.Instance.MemoryLimit.Bytes(); n != 1200<<20 || err != nil || c.Instance.MemoryLimit.Auto() {
		t.Errorf("file: %q = %d, %v", c.Instance.MemoryLimit, n, err)
	}
	c, err = Load(writeFile(t, ""), nil, map[string]string{"instance.memory_limit": "OFF"})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := c.Instance.MemoryLimit.Bytes(); n != 0 || err != nil || c.Instance.MemoryLimit.Auto() {
		t.Errorf("flag off: %q = %d, %v", c.Instance.MemoryLimit, n, err)
	}
	if d := Default().Instance.MemoryLimit; !d.Auto() {
		t.Errorf("default %q, want auto", d)
	}
	a, b := Default(), Default()
	b.Instance.MemoryLimit = "2GiB"
	if Hash(a) != Hash(b) {
		t.Error("Hash depends on instance.memory_limit, which is local to an instance")
	}
}

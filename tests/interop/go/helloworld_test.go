package interop

import (
	"context"
	"testing"

	"github.com/knqyf263/go-plugin/examples/helloworld/greeting"
)

// go-plugin's helloworld host with a Rust plugin.
func TestHelloworldInGoHost(t *testing.T) {
	ctx := context.Background()
	p, err := greeting.NewGreeterPlugin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	plugin, err := p.Load(ctx, rustPlugin(t, "helloworld"))
	if err != nil {
		t.Fatal(err)
	}
	defer plugin.Close(ctx)
	reply, err := plugin.Greet(ctx, &greeting.GreetRequest{Name: "go-plugin"})
	if err != nil {
		t.Fatal(err)
	}
	if reply.GetMessage() != "Good morning, go-plugin" {
		t.Fatalf("got %q", reply.GetMessage())
	}
}

// A Rust plugin built for version 2 of the interface is refused by go-plugin's version 1 host,
// with go-plugin's own message.
func TestVersionMismatchInGoHost(t *testing.T) {
	ctx := context.Background()
	p, err := greeting.NewGreeterPlugin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Load(ctx, rustPlugin(t, "helloworld-v2"))
	if err == nil || err.Error() != "API version mismatch, host: 1, plugin: 2" {
		t.Fatalf("got error %v", err)
	}
}

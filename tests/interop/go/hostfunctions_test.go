package interop

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/knqyf263/go-plugin/tests/host-functions/proto"
)

// jsonParser implements go-plugin's host functions in Go.
type jsonParser struct {
	fail  bool
	calls int
}

func (h *jsonParser) ParseJson(_ context.Context, request *proto.ParseJsonRequest) (*proto.ParseJsonResponse, error) {
	h.calls++
	if h.fail {
		return nil, errors.New("the Go host refuses to parse")
	}
	var person proto.Person
	if err := json.Unmarshal(request.GetContent(), &person); err != nil {
		return nil, err
	}
	return &proto.ParseJsonResponse{Response: &person}, nil
}

func loadHostFunctionsPlugin(t *testing.T, host *jsonParser) (context.Context, interface {
	Greet(context.Context, *proto.GreetRequest) (*proto.GreetReply, error)
	Close(context.Context) error
}) {
	ctx := context.Background()
	p, err := proto.NewGreeterPlugin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	plugin, err := p.Load(ctx, rustPlugin(t, "hostfunctions"), host)
	if err != nil {
		t.Fatal(err)
	}
	return ctx, plugin
}

// go-plugin's tests/host-functions: a Rust plugin calls host functions written in Go.
func TestHostFunctionsInGoHost(t *testing.T) {
	host := &jsonParser{}
	ctx, plugin := loadHostFunctionsPlugin(t, host)
	defer plugin.Close(ctx)
	reply, err := plugin.Greet(ctx, &proto.GreetRequest{Name: "Sato"})
	if err != nil {
		t.Fatal(err)
	}
	if want := "Hello, Sato. This is Yamada (age 20)."; reply.GetMessage() != want {
		t.Fatalf("got %q, want %q", reply.GetMessage(), want)
	}
	if host.calls != 1 {
		t.Fatalf("the host function ran %d times", host.calls)
	}
}

// A go-plugin host cannot pass a host function's error to the plugin: the call fails, in the
// host, with the host function's error, and the Rust plugin keeps working.
func TestFailingHostFunctionInGoHost(t *testing.T) {
	host := &jsonParser{fail: true}
	ctx, plugin := loadHostFunctionsPlugin(t, host)
	defer plugin.Close(ctx)
	_, err := plugin.Greet(ctx, &proto.GreetRequest{Name: "Sato"})
	if err == nil || !strings.Contains(err.Error(), "the Go host refuses to parse") {
		t.Fatalf("got error %v", err)
	}
	host.fail = false
	reply, err := plugin.Greet(ctx, &proto.GreetRequest{Name: "Sato"})
	if err != nil || reply.GetMessage() != "Hello, Sato. This is Yamada (age 20)." {
		t.Fatalf("after the failure: %v, %v", reply, err)
	}
}

func heapAfterGC() uint64 {
	runtime.GC()
	var stats runtime.MemStats
	runtime.ReadMemStats(&stats)
	return stats.HeapAlloc
}

// 100,000 calls, each calling a host function: the Rust plugin frees every buffer the Go host
// allocates in it, so its memory, which wazero keeps on the Go heap, does not grow.
func TestNoLeakOverManyCallsInGoHost(t *testing.T) {
	host := &jsonParser{}
	ctx, plugin := loadHostFunctionsPlugin(t, host)
	defer plugin.Close(ctx)
	call := func(n int) {
		name := fmt.Sprintf("caller %d", n)
		reply, err := plugin.Greet(ctx, &proto.GreetRequest{Name: name})
		if err != nil {
			t.Fatal(err)
		}
		if want := fmt.Sprintf("Hello, %s. This is Yamada (age 20).", name); reply.GetMessage() != want {
			t.Fatalf("got %q", reply.GetMessage())
		}
	}
	for n := 0; n < 10_000; n++ {
		call(n)
	}
	warm := heapAfterGC()
	for n := 10_000; n < 100_000; n++ {
		call(n)
	}
	after := heapAfterGC()
	if host.calls != 100_000 {
		t.Fatalf("the host function ran %d times", host.calls)
	}
	if after > warm+1<<20 {
		t.Fatalf("the Go heap grew from %d to %d bytes over 90,000 calls", warm, after)
	}
}

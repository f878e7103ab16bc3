package interop

import (
	"context"
	"testing"
	"time"

	"github.com/knqyf263/go-plugin/tests/well-known/proto"
	"github.com/knqyf263/go-plugin/types/known/durationpb"
	"github.com/knqyf263/go-plugin/types/known/emptypb"
	"github.com/knqyf263/go-plugin/types/known/structpb"
	"github.com/knqyf263/go-plugin/types/known/timestamppb"
	"github.com/knqyf263/go-plugin/types/known/wrapperspb"
	"reflect"
)

// go-plugin's tests/well-known, with a Rust plugin.
func TestWellKnownInGoHost(t *testing.T) {
	ctx := context.Background()
	p, err := proto.NewKnownTypesTestPlugin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	plugin, err := p.Load(ctx, rustPlugin(t, "wellknown"))
	if err != nil {
		t.Fatal(err)
	}
	defer plugin.Close(ctx)

	b := time.Date(2022, 1, 2, 3, 4, 5, 6, time.UTC)
	cd := []interface{}{
		map[string]interface{}{"CE": "CF"},
		map[string]interface{}{"CG": "CH", "CI": "CJ"},
	}
	c, err := structpb.NewValue(map[string]interface{}{
		"CA": "AAA", "CB": true, "CC": 100, "CD": cd, "CK": nil,
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := plugin.Test(ctx, &proto.Request{
		A: durationpb.New(1 * time.Hour),
		B: timestamppb.New(b),
		C: c,
		D: wrapperspb.Bool(true),
		E: wrapperspb.Bytes([]byte(`Bytes`)),
		F: wrapperspb.Double(1.2),
		G: wrapperspb.Float(3.4),
		H: wrapperspb.Int32(1),
		I: wrapperspb.Int64(2),
		J: wrapperspb.String("String"),
		K: wrapperspb.UInt32(3),
		L: wrapperspb.UInt64(4),
	})
	if err != nil {
		t.Fatal(err)
	}
	wantC, err := structpb.NewValue(map[string]interface{}{
		"CA": "AAABBB", "CB": false, "CC": 200, "CD": append(cd, "FOO"), "CK": nil,
	})
	if err != nil {
		t.Fatal(err)
	}
	want := &proto.Response{
		A: durationpb.New(2 * time.Minute),
		B: timestamppb.New(b.Add(1 * time.Hour)),
		C: wantC,
		D: wrapperspb.Bool(false),
		E: wrapperspb.Bytes([]byte(`BytesValue`)),
		F: wrapperspb.Double(2.4),
		G: wrapperspb.Float(6.8),
		H: wrapperspb.Int32(2),
		I: wrapperspb.Int64(4),
		J: wrapperspb.String("StringValue"),
		K: wrapperspb.UInt32(6),
		L: wrapperspb.UInt64(8),
	}
	if !reflect.DeepEqual(want, got) {
		t.Fatalf("Test:\n got %v\nwant %v", got, want)
	}

	e, err := proto.NewEmptyTestPlugin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	empty, err := e.Load(ctx, rustPlugin(t, "wellknown"))
	if err != nil {
		t.Fatal(err)
	}
	defer empty.Close(ctx)
	if _, err := empty.DoNothing(ctx, &emptypb.Empty{}); err != nil {
		t.Fatal(err)
	}
}

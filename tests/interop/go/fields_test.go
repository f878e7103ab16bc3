package interop

import (
	"context"
	"testing"

	"github.com/knqyf263/go-plugin/tests/fields/proto"
	"github.com/knqyf263/go-plugin/types/known/emptypb"
	"reflect"
)

// go-plugin's tests/fields, with a Rust plugin.
func TestFieldsInGoHost(t *testing.T) {
	ctx := context.Background()
	p, err := proto.NewFieldTestPlugin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	plugin, err := p.Load(ctx, rustPlugin(t, "fields"))
	if err != nil {
		t.Fatal(err)
	}
	defer plugin.Close(ctx)

	res, err := plugin.TestEmptyInput(ctx, &emptypb.Empty{})
	if err != nil || !res.GetOk() {
		t.Fatalf("TestEmptyInput: %v, %v", res, err)
	}

	got, err := plugin.Test(ctx, &proto.Request{
		A: 1.2, B: 3.4, C: 5, D: -6, E: 7, F: 8, G: 9, H: -10, I: 11, J: 12, K: 13, L: -14,
		M: false,
		N: "foo",
		O: []byte("hoge"),
		P: []string{"a", "b"},
		Q: map[string]*proto.IntValue{"key": {A: 15}},
		R: &proto.Request_Nested{A: "samurai"},
		S: proto.Enum_A,
	})
	if err != nil {
		t.Fatal(err)
	}
	want := &proto.Response{
		A: 2.4, B: 6.8, C: 10, D: -12, E: 14, F: 16, G: 18, H: -20, I: 22, J: 24, K: 26, L: -28,
		M: true,
		N: "foobar",
		O: []byte("hogefuga"),
		P: []string{"b"},
		Q: map[string]*proto.IntValue{"key": {A: 16}},
		R: &proto.Response_Nested{A: "ninja"},
		S: proto.Enum_B,
	}
	if !reflect.DeepEqual(want, got) {
		t.Fatalf("Test:\n got %v\nwant %v", got, want)
	}

	for _, text := range []string{"", "error from plugin"} {
		_, err := plugin.TestError(ctx, &proto.ErrorRequest{ErrText: text})
		if err == nil || err.Error() != text {
			t.Fatalf("TestError(%q): got error %v", text, err)
		}
	}
}

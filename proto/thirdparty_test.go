package proto_test

import (
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"

	// The Go code of every protocol file shipped here registers the
	// descriptor the file must match.
	_ "github.com/hashicorp/go-plugin"
	_ "google.golang.org/grpc/health/grpc_health_v1"

	_ "github.com/pakyas/pakyas/proto/target/v1"
)

// TestShippedProtosMatchTheLinkedCode compiles every .proto under proto/
// with protoc and compares it with the descriptor of the Go code pakyas is
// built with: a plugin in another language generated from these files
// speaks exactly what pakyas speaks (go-plugin's controller, stdio and
// broker, gRPC health, and Pakyas's target protocol).
func TestShippedProtosMatchTheLinkedCode(t *testing.T) {
	protoc, err := exec.LookPath("protoc")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("protoc is not installed (make proto-check installs Debian's protobuf-compiler)")
		}
		t.Skip("protoc is not installed: apt-get install protobuf-compiler libprotobuf-dev")
	}
	files := map[string]string{ // shipped file: the path its Go code registers
		"plugin/grpc_controller.proto": "internal/plugin/grpc_controller.proto",
		"plugin/grpc_stdio.proto":      "internal/plugin/grpc_stdio.proto",
		"plugin/grpc_broker.proto":     "internal/plugin/grpc_broker.proto",
		"grpc/health/v1/health.proto":  "grpc/health/v1/health.proto",
		"target/v1/target.proto":       "target/v1/target.proto",
	}
	var shipped []string
	require.NoError(t, filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err == nil && filepath.Ext(path) == ".proto" {
			shipped = append(shipped, filepath.ToSlash(path))
		}
		return err
	}))
	require.Len(t, shipped, len(files), "every shipped .proto is compared: %v", shipped)
	for file, registered := range files {
		t.Run(file, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "set.pb")
			cmd := exec.Command(protoc, "-I", ".", "--descriptor_set_out="+out, file)
			b, err := cmd.CombinedOutput()
			require.NoError(t, err, "protoc %s: %s", file, b)
			raw, err := os.ReadFile(out)
			require.NoError(t, err)
			var set descriptorpb.FileDescriptorSet
			require.NoError(t, proto.Unmarshal(raw, &set))
			require.Len(t, set.File, 1)
			got := set.File[0]

			fd, err := protoregistry.GlobalFiles.FindFileByPath(registered)
			require.NoError(t, err, "the Go code of %s is linked", registered)
			want := protodesc.ToFileDescriptorProto(fd)

			require.True(t, proto.Equal(normalize(want), normalize(got)),
				"%s differs from the code pakyas is built with (%s):\nshipped: %v\nlinked:  %v",
				file, registered, normalize(got), normalize(want))
		})
	}
}

// normalize drops what does not change the wire protocol: the file's
// path, comments, JSON names and the Go package option (go-plugin's Go
// code was generated with another one).
func normalize(f *descriptorpb.FileDescriptorProto) *descriptorpb.FileDescriptorProto {
	f = proto.Clone(f).(*descriptorpb.FileDescriptorProto)
	f.Name = nil
	f.SourceCodeInfo = nil
	if f.Options != nil {
		f.Options.GoPackage = nil
	}
	var msgs func([]*descriptorpb.DescriptorProto)
	msgs = func(ms []*descriptorpb.DescriptorProto) {
		for _, m := range ms {
			for _, fl := range m.Field {
				fl.JsonName = nil
			}
			msgs(m.NestedType)
		}
	}
	msgs(f.MessageType)
	return f
}

// TestREADMENamesTheLinkedVersions: proto/README.md names the go-plugin and
// gRPC versions the files were copied from, which are the ones in go.mod.
func TestREADMENamesTheLinkedVersions(t *testing.T) {
	gomod, err := os.ReadFile("../go.mod")
	require.NoError(t, err)
	readme, err := os.ReadFile("README.md")
	require.NoError(t, err)
	for _, mod := range []string{"github.com/hashicorp/go-plugin", "google.golang.org/grpc"} {
		m := regexp.MustCompile(`(?m)^\s*` + regexp.QuoteMeta(mod) + ` (v\S+)`).FindSubmatch(gomod)
		require.NotNil(t, m, "go.mod requires %s", mod)
		require.Contains(t, string(readme), path.Base(mod)+" "+string(m[1]),
			"proto/README.md: copy the files from %s %s and say so", mod, m[1])
	}
}

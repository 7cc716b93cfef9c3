// Pinned developer tools, a module of its own so that their dependencies
// never enter the main module's go.mod:
//   protoc-gen-go-grpc  `make proto` / `make proto-check` (scripts/proto.sh);
//                       protoc-gen-go comes from the main module's
//                       google.golang.org/protobuf, the runtime the
//                       generated code links against.
module github.com/pakyas/pakyas/tools

go 1.26.8

tool google.golang.org/grpc/cmd/protoc-gen-go-grpc

require golang.org/x/tools v0.52.0

require (
	golang.org/x/mod v0.42.0 // indirect
	golang.org/x/sync v0.24.0 // indirect
	google.golang.org/grpc/cmd/protoc-gen-go-grpc v1.6.2 // indirect
	google.golang.org/protobuf v1.36.11 // indirect
)

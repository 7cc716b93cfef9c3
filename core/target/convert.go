package target

import (
	"fmt"
	"time"

	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	targetv1 "github.com/pakyas/pakyas/proto/target/v1"
)

// Conversions between the SDK's types and the generated protocol types.

var (
	fieldTypes = map[FieldType]targetv1.FieldType{
		TypeString:    targetv1.FieldType_FIELD_TYPE_STRING,
		TypeInt:       targetv1.FieldType_FIELD_TYPE_INT,
		TypeBool:      targetv1.FieldType_FIELD_TYPE_BOOL,
		TypeStringMap: targetv1.FieldType_FIELD_TYPE_STRING_MAP,
	}
	scopes = map[Scope]targetv1.Scope{
		ScopeGlobal: targetv1.Scope_SCOPE_GLOBAL,
		ScopeCheck:  targetv1.Scope_SCOPE_CHECK,
	}
	eventTypes = map[EventType]targetv1.EventType{
		Start:   targetv1.EventType_EVENT_TYPE_START,
		Success: targetv1.EventType_EVENT_TYPE_SUCCESS,
		Fail:    targetv1.EventType_EVENT_TYPE_FAIL,
	}
)

// reverse looks v up in m by value.
func reverse[K comparable, V comparable](m map[K]V, v V) (K, bool) {
	for k, x := range m {
		if x == v {
			return k, true
		}
	}
	var zero K
	return zero, false
}

func infoToProto(in Info) *targetv1.DescribeResponse {
	out := &targetv1.DescribeResponse{
		Name:            in.Name,
		Version:         in.Version,
		ProtocolVersion: int32(in.ProtocolVersion),
		Schema:          &targetv1.ConfigSchema{},
	}
	for _, f := range in.Schema.Fields {
		out.Schema.Fields = append(out.Schema.Fields, &targetv1.Field{
			Key:         f.Key,
			Type:        fieldTypes[f.Type],
			Required:    f.Required,
			Scope:       scopes[f.Scope],
			Secret:      f.Secret,
			Description: f.Description,
		})
	}
	return out
}

func infoFromProto(in *targetv1.DescribeResponse) (Info, error) {
	out := Info{Name: in.GetName(), Version: in.GetVersion(), ProtocolVersion: int(in.GetProtocolVersion())}
	for _, f := range in.GetSchema().GetFields() {
		t, ok := reverse(fieldTypes, f.GetType())
		if !ok {
			return Info{}, fmt.Errorf("schema field %q: unknown type %v", f.GetKey(), f.GetType())
		}
		s, ok := reverse(scopes, f.GetScope())
		if !ok {
			return Info{}, fmt.Errorf("schema field %q: unknown scope %v", f.GetKey(), f.GetScope())
		}
		out.Schema.Fields = append(out.Schema.Fields, Field{
			Key:         f.GetKey(),
			Type:        t,
			Required:    f.GetRequired(),
			Scope:       s,
			Secret:      f.GetSecret(),
			Description: f.GetDescription(),
		})
	}
	return out, out.Schema.Check()
}

func fieldErrorsToProto(errs []FieldError) []*targetv1.FieldError {
	out := make([]*targetv1.FieldError, len(errs))
	for i, e := range errs {
		out[i] = &targetv1.FieldError{Scope: scopes[e.Scope], Path: e.Path, Message: e.Message}
	}
	return out
}

func fieldErrorsFromProto(errs []*targetv1.FieldError) []FieldError {
	out := make([]FieldError, len(errs))
	for i, e := range errs {
		s, _ := reverse(scopes, e.GetScope())
		out[i] = FieldError{Scope: s, Path: e.GetPath(), Message: e.GetMessage()}
	}
	return out
}

func eventToProto(e Event) *targetv1.Event {
	out := &targetv1.Event{
		CheckIdentifier: e.CheckIdentifier,
		EventType:       eventTypes[e.Type],
		DurationMs:      e.Duration.Milliseconds(),
		Host:            e.Host,
		Output:          []byte(tail(e.Output)),
		RunId:           e.RunID,
	}
	if e.ExitCode != nil {
		out.ExitCode = new(int32(*e.ExitCode))
	}
	if !e.Timestamp.IsZero() {
		out.Timestamp = timestamppb.New(e.Timestamp)
	}
	return out
}

func eventFromProto(in *targetv1.Event) (Event, error) {
	t, ok := reverse(eventTypes, in.GetEventType())
	if !ok {
		return Event{}, fmt.Errorf("event_type %v: must be start, success or fail", in.GetEventType())
	}
	out := Event{
		CheckIdentifier: in.GetCheckIdentifier(),
		Type:            t,
		Duration:        msToDuration(in.GetDurationMs()),
		Host:            in.GetHost(),
		Output:          tail(string(in.GetOutput())),
		RunID:           in.GetRunId(),
	}
	if in.ExitCode != nil {
		out.ExitCode = new(int(in.GetExitCode()))
	}
	if in.Timestamp != nil {
		out.Timestamp = in.GetTimestamp().AsTime()
	}
	return out, nil
}

func msToDuration(ms int64) time.Duration { return time.Duration(ms) * time.Millisecond }

func resultToProto(r Result, err error) *targetv1.SendResponse {
	out := &targetv1.SendResponse{Ok: err == nil, Message: r.Message, Latency: durationpb.New(r.Latency)}
	if err != nil {
		out.Message = err.Error()
	}
	return out
}

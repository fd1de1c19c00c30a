// qntx-gonotes-plugin: a small QNTX domain plugin in Go, from the protocol alone.
//
// Notes kept as attestations in the host's store. It shows each part of the protocol
// (proto/README.md): the ready line, Metadata, a setting, Initialize and the host's services
// over the endpoint and token it gives, routes, a WebSocket, a job, a watcher, Health and
// Shutdown. build.sh generates the stubs and builds it with Debian's Go and gRPC packages.
//
// Routes, under /api/gonotes:
//
//	GET  /hello   the greeting setting
//	POST /notes   {"text": "..."} becomes an attestation: note-<id> / noted / gonotes
//	GET  /notes   the latest notes
//	GET  /kib     1 KiB of text (what the host's HTTP benchmark asks of every plugin)
//
// WebSocket: each text message comes back in capitals; PING is answered with PONG.
// Job "count": how many notes the store holds; a watcher runs it for each new note.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/structpb"

	pb "gonotes/protocol"
)

const (
	name      = "gonotes"
	predicate = "noted"
)

var kib = strings.Repeat("x", 1024)

// notes is the plugin. Methods it does not define answer UNIMPLEMENTED, which the host accepts.
type notes struct {
	pb.UnimplementedDomainPluginServiceServer
	stop chan struct{}
	once sync.Once

	mu       sync.Mutex
	greeting string
	token    string
	conn     *grpc.ClientConn
	store    pb.ATSStoreServiceClient
}

func (n *notes) Metadata(context.Context, *pb.Empty) (*pb.MetadataResponse, error) {
	return &pb.MetadataResponse{
		Name: name, Version: "1.0.0", QntxVersion: ">=0.1.0",
		Description: "Notes as attestations (the protocol's Go example)",
		Author:      "QNTX", License: "MIT",
	}, nil
}

func (n *notes) ConfigSchema(context.Context, *pb.Empty) (*pb.ConfigSchemaResponse, error) {
	return &pb.ConfigSchemaResponse{Fields: map[string]*pb.ConfigFieldSchema{
		"greeting": {Type: "string", Description: "What GET /hello answers", DefaultValue: "hello"},
	}}, nil
}

func (n *notes) Initialize(_ context.Context, req *pb.InitializeRequest) (*pb.InitializeResponse, error) {
	n.mu.Lock()
	// A second Initialize (a reconfigure) replaces the first: close what it opened.
	if n.conn != nil {
		n.conn.Close()
		n.conn, n.store = nil, nil
	}
	n.greeting = "hello"
	if greeting, ok := req.Config["greeting"]; ok {
		n.greeting = greeting
	}
	n.token = req.AuthToken
	if req.AtsStoreEndpoint != "" {
		conn, err := grpc.Dial(req.AtsStoreEndpoint, grpc.WithInsecure())
		if err != nil {
			n.mu.Unlock()
			return nil, fmt.Errorf("cannot reach the store at %s: %w", req.AtsStoreEndpoint, err)
		}
		n.conn, n.store = conn, pb.NewATSStoreServiceClient(conn)
	}
	n.mu.Unlock()
	log.Printf("initialized; the store is at %q", req.AtsStoreEndpoint)
	return &pb.InitializeResponse{
		HandlerNames: []string{"count"},
		Watchers: []*pb.WatcherRegistration{{
			Id: "new-note", HandlerName: "count", Predicates: []string{predicate}, MaxFiresPerSecond: 5,
		}},
		HttpRoutes: []*pb.RouteInfo{
			{Method: "GET", Path: "/hello", Description: "the greeting"},
			{Method: "GET", Path: "/notes", Description: "the latest notes"},
			{Method: "POST", Path: "/notes", Description: "add a note"},
		},
	}, nil
}

// service is the store and the token, as the last Initialize gave them.
func (n *notes) service() (pb.ATSStoreServiceClient, string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.store, n.token
}

func reply(status int32, value interface{}) *pb.HTTPResponse {
	kind := "application/json"
	var body []byte
	switch v := value.(type) {
	case string:
		kind, body = "text/plain; charset=utf-8", []byte(v)
	case []byte:
		body = v
	default:
		body, _ = json.Marshal(v)
	}
	return &pb.HTTPResponse{
		StatusCode: status,
		Headers:    []*pb.HTTPHeader{{Name: "content-type", Values: []string{kind}}},
		Body:       body,
	}
}

func problem(status int32, format string, args ...interface{}) *pb.HTTPResponse {
	return reply(status, map[string]string{"error": fmt.Sprintf(format, args...)})
}

func (n *notes) HandleHTTP(ctx context.Context, req *pb.HTTPRequest) (*pb.HTTPResponse, error) {
	path := strings.SplitN(req.Path, "?", 2)[0]
	switch strings.ToUpper(req.Method) + " " + path {
	case "GET /kib":
		return reply(200, kib), nil
	case "GET /hello":
		n.mu.Lock()
		defer n.mu.Unlock()
		return reply(200, n.greeting), nil
	case "GET /notes":
		found, err := n.notes(ctx, 50)
		if err != nil {
			return problem(503, "%v", err), nil
		}
		list := make([]json.RawMessage, 0, len(found))
		for _, note := range found {
			text, _ := protojson.Marshal(note)
			list = append(list, text)
		}
		return reply(200, list), nil
	case "POST /notes":
		var body struct {
			Text string `json:"text"`
		}
		if err := json.Unmarshal(req.Body, &body); err != nil {
			return problem(400, `the body must be JSON: {"text": "..."}`), nil
		}
		if strings.TrimSpace(body.Text) == "" {
			return problem(400, `"text" is missing or empty`), nil
		}
		return n.add(ctx, body.Text), nil
	}
	return problem(404, "no route %s %s", req.Method, path), nil
}

func (n *notes) add(ctx context.Context, text string) *pb.HTTPResponse {
	store, token := n.service()
	if store == nil {
		return problem(503, "the host gave no attestation store")
	}
	if len(text) > 2000 {
		text = text[:2000]
	}
	attributes, err := structpb.NewStruct(map[string]interface{}{"text": text})
	if err != nil {
		return problem(400, "%v", err)
	}
	id := make([]byte, 6)
	rand.Read(id)
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	answer, err := store.GenerateAndCreateAttestation(ctx, &pb.GenerateAttestationRequest{
		AuthToken: token,
		Command: &pb.AttestationCommand{
			Subjects: []string{"note-" + hex.EncodeToString(id)}, Predicates: []string{predicate},
			Contexts: []string{name}, Actors: []string{name}, Attributes: attributes,
		},
	})
	if err != nil {
		return problem(502, "the store failed: %v", err)
	}
	if !answer.Success {
		return problem(422, "%s", answer.Error)
	}
	made, _ := protojson.Marshal(answer.Attestation)
	return reply(201, made)
}

func (n *notes) notes(ctx context.Context, limit int32) ([]*pb.Attestation, error) {
	store, token := n.service()
	if store == nil {
		return nil, fmt.Errorf("the host gave no attestation store")
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	answer, err := store.GetAttestations(ctx, &pb.GetAttestationsRequest{
		AuthToken: token,
		Filter:    &pb.AttestationFilter{Predicates: []string{predicate}, Limit: &limit},
	})
	if err != nil {
		return nil, err
	}
	if !answer.Success {
		return nil, fmt.Errorf("%s", answer.Error)
	}
	return answer.Attestations, nil
}

// HandleWebSocket serves one client; the stream ends when the client (or the host) closes.
func (n *notes) HandleWebSocket(stream pb.DomainPluginService_HandleWebSocketServer) error {
	for {
		frame, err := stream.Recv()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		switch frame.Type {
		case pb.WebSocketMessage_PING:
			err = stream.Send(&pb.WebSocketMessage{Type: pb.WebSocketMessage_PONG, Data: frame.Data})
		case pb.WebSocketMessage_DATA:
			err = stream.Send(&pb.WebSocketMessage{
				Type: pb.WebSocketMessage_DATA, Data: []byte(strings.ToUpper(string(frame.Data))),
				Headers: map[string]string{"opcode": "text"},
			})
		case pb.WebSocketMessage_CLOSE:
			return nil
		}
		if err != nil {
			return err
		}
	}
}

func (n *notes) ExecuteJob(ctx context.Context, req *pb.ExecuteJobRequest) (*pb.ExecuteJobResponse, error) {
	if req.HandlerName != "count" {
		return &pb.ExecuteJobResponse{Error: fmt.Sprintf("no job handler %q; it has: count", req.HandlerName)}, nil
	}
	found, err := n.notes(ctx, 10000)
	if err != nil {
		return &pb.ExecuteJobResponse{Error: err.Error(), Retryable: true}, nil
	}
	result, _ := json.Marshal(map[string]int{"notes": len(found)})
	return &pb.ExecuteJobResponse{Success: true, Result: result}, nil
}

func (n *notes) Health(context.Context, *pb.Empty) (*pb.HealthResponse, error) {
	if store, _ := n.service(); store == nil {
		return &pb.HealthResponse{Healthy: true, Message: "serving, not initialized yet"}, nil
	}
	return &pb.HealthResponse{Healthy: true, Message: "serving"}, nil
}

func (n *notes) Shutdown(context.Context, *pb.Empty) (*pb.Empty, error) {
	log.Print("shutdown requested")
	n.quit()
	return &pb.Empty{}, nil
}

func (n *notes) quit() { n.once.Do(func() { close(n.stop) }) }

func main() {
	// stderr is the plugin's log; stdout carries only the ready line.
	log.SetFlags(0)
	log.SetPrefix(name + ": ")
	flags := flag.NewFlagSet(name, flag.ContinueOnError)
	port := flags.Int("port", -1, "the TCP port to serve on (0: any)")
	watchStdin := flags.Bool("watch-stdin", false, "exit when stdin closes (the host is gone)")
	// Ignore arguments this program does not know, as the protocol asks: parse what it knows.
	args := []string{}
	for i, arg := range os.Args[1:] {
		if strings.HasPrefix(arg, "--port") || arg == "--watch-stdin" {
			args = append(args, arg)
			if arg == "--port" && i+2 < len(os.Args) {
				args = append(args, os.Args[i+2])
			}
		}
	}
	if err := flags.Parse(args); err != nil || *port < 0 {
		log.Print("usage: qntx-gonotes-plugin --port <n> [--watch-stdin]")
		os.Exit(2)
	}
	listener, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", *port))
	if err != nil {
		log.Printf("cannot listen: %v", err)
		os.Exit(1)
	}
	plugin := &notes{stop: make(chan struct{}), greeting: "hello"}
	server := grpc.NewServer()
	pb.RegisterDomainPluginServiceServer(server, plugin)
	go server.Serve(listener)
	fmt.Printf("QNTX_PLUGIN_PORT=%d\n", listener.Addr().(*net.TCPAddr).Port)

	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT)
	go func() { <-signals; plugin.quit() }()
	if *watchStdin {
		go func() {
			io.Copy(io.Discard, os.Stdin)
			log.Print("stdin closed: the host is gone")
			plugin.quit()
		}()
	}
	<-plugin.stop
	// Let the Shutdown answer leave before the server goes.
	done := make(chan struct{})
	go func() { server.GracefulStop(); close(done) }()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		server.Stop()
	}
	plugin.mu.Lock()
	if plugin.conn != nil {
		plugin.conn.Close()
	}
	plugin.mu.Unlock()
}

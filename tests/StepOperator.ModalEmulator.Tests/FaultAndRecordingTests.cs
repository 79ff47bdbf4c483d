using System.Net;
using System.Text.Json;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using StepOperator.Modal.Protocol;

namespace StepOperator.ModalEmulator.Tests;

public sealed class FaultAndRecordingTests
{
    private static readonly AppGetOrCreateRequest App = new() { AppName = "faults", ObjectCreationType = ObjectCreationType.CreateIfMissing };

    [Fact]
    public async Task FailNext_fails_the_chosen_calls_then_the_RPC_works_again()
    {
        await using var modal = await ModalEmulator.StartAsync();
        using var client = new EmulatorClient(modal);
        modal.Faults.FailNext(ModalRpc.AppGetOrCreate, StatusCode.Unavailable, times: 2);

        for (var i = 0; i < 2; i++)
        {
            var error = await Assert.ThrowsAsync<RpcException>(() => client.Raw.AppGetOrCreateAsync(App, client.Call()).ResponseAsync);
            Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        }

        Assert.StartsWith("ap-", (await client.Raw.AppGetOrCreateAsync(App, client.Call())).AppId);
        await client.Raw.SecretGetOrCreateAsync(new SecretGetOrCreateRequest { ObjectCreationType = ObjectCreationType.Ephemeral }, client.Call()); // other RPCs unaffected
        Assert.Throws<ArgumentException>(() => modal.Faults.FailNext("NoSuchRpc", StatusCode.Internal));
    }

    [Fact]
    public async Task A_lost_answer_is_UNAVAILABLE_after_the_call_was_carried_out_and_a_retry_with_its_key_gets_that_answer()
    {
        await using var modal = await ModalEmulator.StartAsync();
        using var client = new EmulatorClient(modal);
        modal.Faults.LoseResponses(ModalRpc.SecretGetOrCreate);
        var request = new SecretGetOrCreateRequest { ObjectCreationType = ObjectCreationType.Ephemeral, EnvDict = { ["A"] = "1" } };
        var headers = client.Headers();

        var lost = await Assert.ThrowsAsync<RpcException>(() => client.Raw.SecretGetOrCreateAsync(request, new CallOptions(headers)).ResponseAsync);
        var retried = await client.Raw.SecretGetOrCreateAsync(request, new CallOptions(headers)); // same x-idempotency-key
        var another = await client.Raw.SecretGetOrCreateAsync(request, client.Call()); // a new logical call

        Assert.Equal(StatusCode.Unavailable, lost.StatusCode);
        Assert.Contains("was lost after it was carried out", lost.Status.Detail);
        Assert.StartsWith("st-", retried.SecretId);
        Assert.NotEqual(retried.SecretId, another.SecretId);
        Assert.Equal(3, modal.RequestsFor(ModalRpc.SecretGetOrCreate).Count); // all recorded, the retry answered from memory
        Assert.Throws<ArgumentException>(() => modal.Faults.LoseResponses(ModalRpc.SandboxGetLogs));
    }

    [Fact]
    public async Task RetryAfter_sends_an_RPCRetryPolicy_in_the_status_details_trailer()
    {
        await using var modal = await ModalEmulator.StartAsync();
        using var client = new EmulatorClient(modal);
        modal.Faults.RetryAfter(ModalRpc.SandboxCreate, 1.5);

        var error = await Assert.ThrowsAsync<RpcException>(() => client.Raw.SandboxCreateAsync(new SandboxCreateRequest(), client.Call()).ResponseAsync);

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        var trailer = Assert.Single(error.Trailers, t => t.Key == "grpc-status-details-bin");
        Assert.True(trailer.IsBinary);
        var status = RPCStatus.Parser.ParseFrom(trailer.ValueBytes);
        Assert.Equal((int)StatusCode.Unavailable, status.Code);
        var detail = Assert.Single(status.Details);
        Assert.Equal("type.modal.com/modal.client.RPCRetryPolicy", detail.TypeUrl); // Modal's prefix for its own messages (grpc_utils.py)
        Assert.Equal(1.5f, detail.Unpack<RPCRetryPolicy>().RetryAfterSecs);

        // Once only: the next call gets the real answer (here: no definition).
        var next = await Assert.ThrowsAsync<RpcException>(() => client.Raw.SandboxCreateAsync(new SandboxCreateRequest(), client.Call()).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, next.StatusCode);
    }

    [Fact]
    public async Task Every_request_is_recorded_with_its_metadata_and_message_also_when_refused()
    {
        await using var modal = await ModalEmulator.StartAsync();
        using var client = new EmulatorClient(modal);
        using var stranger = new EmulatorClient(modal, "ak-stranger", "as-stranger");

        await client.LoginAsync();
        var appId = await client.AppAsync("recorded");
        await Assert.ThrowsAsync<RpcException>(() => stranger.Raw.AppGetOrCreateAsync(App, stranger.Call()).ResponseAsync);

        var requests = modal.Requests;
        Assert.Equal([ModalRpc.AuthTokenGet, ModalRpc.AppGetOrCreate, ModalRpc.AppGetOrCreate], requests.Select(r => r.Rpc));
        var app = requests[1];
        Assert.Equal(EmulatorClient.ClientVersion, app.Header("x-modal-client-version"));
        Assert.Equal(client.AuthToken, app.Header("x-modal-auth-token"));
        Assert.NotNull(app.Header("x-idempotency-key"));
        var message = app.MessageAs<AppGetOrCreateRequest>();
        Assert.Equal("recorded", message.AppName);
        Assert.Equal(ObjectCreationType.CreateIfMissing, message.ObjectCreationType);
        Assert.Contains("\"appName\": \"recorded\"", app.Json);
        Assert.Equal("ak-stranger", requests[2].Header("x-modal-token-id"));
        Assert.Single(modal.RequestsFor(ModalRpc.AuthTokenGet));
        Assert.StartsWith("ap-", appId);
    }

    [Fact]
    public async Task The_HTTP_port_serves_the_recorded_requests_as_JSON()
    {
        await using var modal = await ModalEmulator.StartAsync();
        using var client = new EmulatorClient(modal);
        using var http = new HttpClient();
        await client.LoginAsync();
        await client.AppAsync("over-http");

        using var all = JsonDocument.Parse(await http.GetStringAsync(modal.RequestsUrl));
        using var apps = JsonDocument.Parse(await http.GetStringAsync(new Uri(modal.RequestsUrl + "?rpc=AppGetOrCreate")));

        Assert.Equal(2, all.RootElement.GetArrayLength());
        var app = Assert.Single(apps.RootElement.EnumerateArray());
        Assert.Equal("AppGetOrCreate", app.GetProperty("rpc").GetString());
        Assert.Equal(modal.TokenId, app.GetProperty("headers").GetProperty("x-modal-token-id").GetString());
        Assert.Equal("over-http", app.GetProperty("request").GetProperty("appName").GetString());
        Assert.Equal("OBJECT_CREATION_TYPE_CREATE_IF_MISSING", app.GetProperty("request").GetProperty("objectCreationType").GetString());

        // Only on the HTTP port; DELETE forgets.
        Assert.NotEqual(modal.Port, modal.HttpPort);
        using (var response = await http.DeleteAsync(modal.RequestsUrl))
        {
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        }

        Assert.Empty(modal.Requests);
        Assert.Equal("[]", (await http.GetStringAsync(modal.RequestsUrl)).Trim());
    }

    [Fact]
    public async Task Throttle_answers_RESOURCE_EXHAUSTED_with_a_retry_policy_for_some_calls_or_for_a_while()
    {
        await using var modal = await ModalEmulator.StartAsync();
        using var client = new EmulatorClient(modal);
        modal.Faults.Throttle(ModalRpc.AppGetOrCreate, 0.25, times: 2);
        modal.Faults.Throttle(ModalRpc.SandboxListV2, 2, TimeSpan.FromSeconds(1.5));

        var first = await Assert.ThrowsAsync<RpcException>(() => client.Raw.AppGetOrCreateAsync(App, client.Call()).ResponseAsync);
        await Assert.ThrowsAsync<RpcException>(() => client.Raw.AppGetOrCreateAsync(App, client.Call()).ResponseAsync);
        var app = await client.Raw.AppGetOrCreateAsync(App, client.Call());
        var sustained = new List<StatusCode>();
        for (var i = 0; i < 3; i++)
        {
            sustained.Add((await Assert.ThrowsAsync<RpcException>(() => client.Raw.SandboxListV2Async(new SandboxListRequest(), client.Call()).ResponseAsync)).StatusCode);
        }

        await Task.Delay(TimeSpan.FromSeconds(1.6));
        var listed = await client.Raw.SandboxListV2Async(new SandboxListRequest(), client.Call());

        Assert.Equal(StatusCode.ResourceExhausted, first.StatusCode);
        var status = RPCStatus.Parser.ParseFrom(Assert.Single(first.Trailers, t => t.Key == "grpc-status-details-bin").ValueBytes);
        Assert.Equal((int)StatusCode.ResourceExhausted, status.Code);
        Assert.Equal(0.25f, Assert.Single(status.Details).Unpack<RPCRetryPolicy>().RetryAfterSecs);
        Assert.StartsWith("ap-", app.AppId);
        Assert.All(sustained, code => Assert.Equal(StatusCode.ResourceExhausted, code));
        Assert.Empty(listed.Sandboxes);
        Assert.Equal(3, modal.RequestsFor(ModalRpc.AppGetOrCreate).Count);
        Assert.Equal(4, modal.RequestsFor(ModalRpc.SandboxListV2).Count);
    }

    [Fact]
    public async Task A_call_of_an_RPC_the_emulator_does_not_serve_is_answered_UNIMPLEMENTED_and_recorded_with_its_metadata()
    {
        await using var modal = await ModalEmulator.StartAsync();
        using var client = new EmulatorClient(modal);
        using var channel = Grpc.Net.Client.GrpcChannel.ForAddress(modal.Url);
        var tagsGet = new Method<Empty, Empty>(MethodType.Unary, "modal.client.ModalClient", "SandboxTagsGetV2", Marshallers.Create(m => m.ToByteArray(), Empty.Parser.ParseFrom), Marshallers.Create(m => m.ToByteArray(), Empty.Parser.ParseFrom));
        var routerOnApiPort = new Method<Empty, Empty>(MethodType.ServerStreaming, "modal.task_command_router.TaskCommandRouter", "SandboxStdioReadV2", tagsGet.RequestMarshaller, tagsGet.ResponseMarshaller);

        var unserved = await Assert.ThrowsAsync<RpcException>(() => channel.CreateCallInvoker().AsyncUnaryCall(tagsGet, null, client.Call(), new Empty()).ResponseAsync);
        using var stream = channel.CreateCallInvoker().AsyncServerStreamingCall(routerOnApiPort, null, client.Call(), new Empty());
        var wrongPort = await Assert.ThrowsAsync<RpcException>(async () => await stream.ResponseStream.MoveNext());

        Assert.Equal(StatusCode.Unimplemented, unserved.StatusCode);
        Assert.Contains("SandboxTagsGetV2", unserved.Status.Detail);
        Assert.Equal(StatusCode.Unimplemented, wrongPort.StatusCode);
        var recorded = modal.Requests;
        Assert.Equal(["SandboxTagsGetV2", "SandboxStdioReadV2"], recorded.Select(r => r.Rpc));
        Assert.All(recorded, r => Assert.False(r.Served));
        Assert.Equal("/modal.client.ModalClient/SandboxTagsGetV2", recorded[0].Method);
        Assert.Equal(modal.TokenId, recorded[0].Header("x-modal-token-id"));
        Assert.Equal(EmulatorClient.ClientVersion, recorded[0].Header("x-modal-client-version"));
        Assert.Equal("modal.task_command_router.TaskCommandRouter", recorded[1].Service);
    }

    [Fact]
    public async Task The_HTTP_requests_mask_secret_values_unless_asked_for_them()
    {
        await using var modal = await ModalEmulator.StartAsync();
        using var client = new EmulatorClient(modal);
        using var http = new HttpClient();
        await client.LoginAsync();
        await client.SecretAsync(new Dictionary<string, string> { ["REGISTRY_USERNAME"] = "user", ["REGISTRY_PASSWORD"] = "hunter2" });
        await Assert.ThrowsAsync<RpcException>(() => client.Raw.SandboxCreateV2Async(new SandboxCreateV2Request
        {
            EphemeralSecrets = new StringMap { Contents = { ["API_KEY"] = "sk-inline" } },
        }, client.Call()).ResponseAsync); // refused (no definition), recorded all the same

        var masked = await http.GetStringAsync(modal.RequestsUrl);
        var revealed = await http.GetStringAsync(new Uri(modal.RequestsUrl + "?secrets=true"));

        foreach (var secret in new[] { modal.TokenSecret, client.AuthToken!, "hunter2", "sk-inline", "\"user\"" })
        {
            Assert.DoesNotContain(secret, masked);
            Assert.Contains(secret, revealed);
        }

        using var json = JsonDocument.Parse(masked);
        var secretRequest = json.RootElement[1];
        Assert.Equal("<masked>", secretRequest.GetProperty("headers").GetProperty("x-modal-token-secret").GetString());
        Assert.Equal("<masked>", secretRequest.GetProperty("headers").GetProperty("x-modal-auth-token").GetString());
        Assert.Equal("<masked>", secretRequest.GetProperty("request").GetProperty("envDict").GetProperty("REGISTRY_PASSWORD").GetString());
        Assert.Equal(modal.TokenId, secretRequest.GetProperty("headers").GetProperty("x-modal-token-id").GetString());
        Assert.Equal(client.AuthToken, modal.Requests[1].Header("x-modal-auth-token")); // in-process records keep the values
    }
}

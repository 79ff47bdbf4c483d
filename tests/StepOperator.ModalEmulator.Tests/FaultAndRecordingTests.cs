using System.Net;
using System.Text.Json;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using StepOperator.Stacks.Modal.Protocol;

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
        Assert.Equal("type.googleapis.com/modal.client.RPCRetryPolicy", detail.TypeUrl);
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
}

namespace StepOperator.ModalConformance.Tests;

/// <summary>The comparison itself, on made-up requests: it must find what differs and only that.</summary>
public class RequestComparisonTests
{
    private const string Token = "eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjF9.c2ln";

    private static readonly Dictionary<string, string> NoSandboxes = new();

    private static Dictionary<string, string> Headers(bool authToken = true, bool unary = true, string version = "1.0.0")
    {
        var headers = new Dictionary<string, string>
        {
            ["x-modal-client-type"] = "8",
            ["x-modal-client-version"] = version,
            ["x-modal-token-id"] = "ak-1",
            ["x-modal-token-secret"] = "as-1",
        };
        if (authToken)
        {
            headers["x-modal-auth-token"] = Token;
        }

        if (unary)
        {
            headers["x-idempotency-key"] = Guid.NewGuid().ToString();
            headers["x-retry-attempt"] = "0";
        }

        return headers;
    }

    private static List<ObservedRequest> Flow(string sandboxJson, Dictionary<string, string>? createHeaders = null) =>
    [
        new("AuthTokenGet", Headers(authToken: false), "{ }"),
        new("SandboxCreate", createHeaders ?? Headers(), sandboxJson),
    ];

    private static RequestComparison Compare(List<ObservedRequest> left, List<ObservedRequest> right) =>
        RequestComparison.Compare("left", left, NoSandboxes, "right", right, NoSandboxes);

    [Fact]
    public void Equal_fields_pass_and_server_ids_are_ignored()
    {
        var comparison = Compare(
            Flow("""{ "app_id": "ap-1", "definition": { "image_id": "im-1", "timeout_secs": 120, "entrypoint_args": [ "a", "b" ] } }"""),
            Flow("""{ "app_id": "ap-2", "definition": { "image_id": "im-2", "timeout_secs": 120, "entrypoint_args": [ "a", "b" ] } }"""));

        Assert.Empty(comparison.Differences);
        Assert.Equal(["definition.entrypoint_args", "definition.timeout_secs"], comparison.ComparedFields["SandboxCreate"]);
        Assert.Equal(["app_id", "definition.image_id"], comparison.IgnoredFields["SandboxCreate"]);
    }

    [Fact]
    public void A_field_both_set_differently_is_a_difference_and_one_set_by_one_side_a_note()
    {
        var comparison = Compare(
            Flow("""{ "definition": { "resources": { "memory_mb": 256, "gpu_config": { } }, "entrypoint_args": [ "a", "b" ] } }"""),
            Flow("""{ "definition": { "resources": { "memory_mb": 269 }, "entrypoint_args": [ "a" ], "verbose": true } }"""));

        Assert.Equal(
        [
            "SandboxCreate #1: field definition.resources.memory_mb: left sends 256, right sends 269",
            "SandboxCreate #1: field definition.entrypoint_args: left sends [\"a\",\"b\"], right sends [\"a\"]",
        ], comparison.Differences);
        Assert.Contains("SandboxCreate #1: only left sets definition.resources.gpu_config = {}", comparison.Notes);
        Assert.Contains("SandboxCreate #1: only right sets definition.verbose = true", comparison.Notes);
    }

    [Fact]
    public void Headers_are_compared_by_value_or_presence_and_checked_on_each_side()
    {
        // The same flow, but SandboxCreate with another client version and without the auth token.
        var right = Flow("{ }", Headers(authToken: false, version: "0.9"));

        var comparison = Compare(Flow("{ }"), right);

        Assert.Contains("SandboxCreate #1: header x-modal-client-version: left sends \"1.0.0\", right sends \"0.9\"", comparison.Differences);
        Assert.Contains("SandboxCreate #1: header x-modal-auth-token: left sends it, right does not", comparison.Differences);
        Assert.Contains("right: SandboxCreate after AuthTokenGet without the auth token (x-modal-auth-token)", comparison.Differences);
        Assert.DoesNotContain(comparison.Differences, d => d.StartsWith("left:", StringComparison.Ordinal));
    }

    [Fact]
    public void Requests_pair_by_sandbox_role_and_stream_not_by_arrival()
    {
        var leftSandboxes = new Dictionary<string, string> { ["sb-a"] = "print", ["sb-b"] = "sleep" };
        var rightSandboxes = new Dictionary<string, string> { ["sb-x"] = "print", ["sb-y"] = "sleep" };
        List<ObservedRequest> left =
        [
            new("AuthTokenGet", Headers(authToken: false), "{ }"),
            new("SandboxGetLogs", Headers(unary: false), """{ "sandbox_id": "sb-a", "file_descriptor": "FILE_DESCRIPTOR_STDOUT", "timeout": 55 }"""),
            new("SandboxGetLogs", Headers(unary: false), """{ "sandbox_id": "sb-a", "file_descriptor": "FILE_DESCRIPTOR_STDERR", "timeout": 55 }"""),
            new("SandboxWait", Headers(), """{ "sandbox_id": "sb-b", "timeout": 10 }"""),
        ];
        List<ObservedRequest> right =
        [
            new("AuthTokenGet", Headers(authToken: false), "{ }"),
            new("SandboxWait", Headers(), """{ "sandbox_id": "sb-y", "timeout": 10 }"""),
            new("SandboxGetLogs", Headers(unary: false), """{ "sandbox_id": "sb-x", "file_descriptor": "FILE_DESCRIPTOR_STDERR", "timeout": 55 }"""),
            new("SandboxGetLogs", Headers(unary: false), """{ "sandbox_id": "sb-x", "file_descriptor": "FILE_DESCRIPTOR_STDOUT", "timeout": 30 }"""),
        ];

        var comparison = RequestComparison.Compare("left", left, leftSandboxes, "right", right, rightSandboxes);

        Assert.Equal(["SandboxGetLogs (print, FILE_DESCRIPTOR_STDOUT) #1: field timeout: left sends 55, right sends 30"], comparison.Differences);
        Assert.Contains("SandboxWait (sleep) #1", comparison.Pairs);
    }

    [Fact]
    public void A_V2_call_pairs_with_the_V1_call_of_the_same_message_and_router_calls_need_only_their_bearer_JWT()
    {
        var leftSandboxes = new Dictionary<string, string> { ["sb-01ARZ3NDEKTSV4RRFFQ69G5FAV"] = "sleep" };
        var rightSandboxes = new Dictionary<string, string> { ["sb-x"] = "sleep" };
        var routerHeaders = new Dictionary<string, string> { ["authorization"] = "Bearer " + Token };
        List<ObservedRequest> left =
        [
            new("AuthTokenGet", Headers(authToken: false), "{ }"),
            new("SandboxCreateV2", Headers(), """{ "app_id": "ap-1", "definition": { "timeout_secs": 600, "entrypoint_args": [ "sleep", "600" ] }, "ephemeral_secrets": { "contents": { "A": "1" } } }"""),
            new("SandboxTerminateV2", Headers(), """{ "sandbox_id": "sb-01ARZ3NDEKTSV4RRFFQ69G5FAV" }"""),
            new("SandboxStdioReadV2", routerHeaders, """{ "task_id": "ta-1V" }""", "modal.task_command_router.TaskCommandRouter"),
        ];
        List<ObservedRequest> right =
        [
            new("AuthTokenGet", Headers(authToken: false), "{ }"),
            new("SandboxCreate", Headers(), """{ "app_id": "ap-2", "definition": { "timeout_secs": 300, "entrypoint_args": [ "sleep", "600" ], "secret_ids": [ "st-1" ] } }"""),
            new("SandboxTerminate", Headers(), """{ "sandbox_id": "sb-x" }"""),
        ];

        var comparison = RequestComparison.Compare("left", left, leftSandboxes, "right", right, rightSandboxes);

        Assert.Equal(["SandboxCreate #1: field definition.timeout_secs: left sends 600, right sends 300"], comparison.Differences);
        Assert.Equal(["SandboxCreate #1", "SandboxTerminate (sleep) #1"], comparison.CrossVersionPairs);
        Assert.Contains("SandboxCreate #1: only left sets ephemeral_secrets.contents.A = \"1\"", comparison.Notes);
        Assert.Contains("Only left called SandboxStdioReadV2.", comparison.Notes);

        // A router call without its JWT, and a call the emulator did not serve, are differences.
        left[3] = left[3] with { Headers = new Dictionary<string, string>() };
        left.Add(new("SandboxTagsGetV2", Headers(), "{ }", Served: false));
        var broken = RequestComparison.Compare("left", left, leftSandboxes, "right", right, rightSandboxes);
        Assert.Contains("left: modal.task_command_router.TaskCommandRouter/SandboxStdioReadV2 without 'authorization: Bearer <jwt>'", broken.Differences);
        Assert.Contains("left: modal.client.ModalClient/SandboxTagsGetV2, which the emulator does not serve (answered UNIMPLEMENTED)", broken.Differences);
    }
}

using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Google.Protobuf;
using StepOperator.ModalEmulator.Recording;

namespace StepOperator.ModalConformance.Tests;

/// <summary>
/// A request as the emulator recorded it: its metadata and its message in protobuf's JSON mapping with
/// the proto's field names; <paramref name="Service"/> is Modal's API unless said otherwise (the task
/// command router), <paramref name="Served"/> false for an RPC the emulator does not serve.
/// </summary>
internal sealed record ObservedRequest(string Rpc, IReadOnlyDictionary<string, string> Headers, string Json, string Service = RequestComparison.ModalApi, bool Served = true)
{
    private static readonly JsonFormatter ProtoNames = new(JsonFormatter.Settings.Default.WithPreserveProtoFieldNames(true));

    public static ObservedRequest From(RecordedRequest request) =>
        new(request.Rpc, request.Headers, ProtoNames.Format(request.Message), request.Service, request.Served);

    public string? Header(string key) => Headers.TryGetValue(key, out var value) ? value : null;
}

/// <summary>A request field whose value differs between two clients by nature (an id the server issued to each), so it is not compared.</summary>
internal sealed record IgnoredField(string Rpc, string Path, string Why);

/// <summary>
/// Compares what two clients sent for the same operations, RPC by RPC. Requests are paired by RPC,
/// role and occurrence: the role is which sandbox a call is about (and which stream of it), or which
/// secret SecretGetOrCreate makes; the n-th such call of one client is paired with the n-th of the
/// other. In each pair every field that BOTH requests set (protobuf's JSON mapping, so proto3
/// defaults count as unset; repeated fields compare as a whole, maps key by key) must be equal,
/// except the few in <see cref="Ignored"/>. The metadata headers both must send are compared too.
/// Fields, pairs, RPCs and headers only one client has are listed as notes, not differences.
/// A V2 sandbox RPC is compared as the V1 RPC of the same request message (<see cref="V1Counterparts"/>;
/// SandboxCreateV2 shares the definition, a Sandbox, and the tags with SandboxCreate), so a client on V2
/// pairs with one on V1; such pairs are listed in <see cref="CrossVersionPairs"/>. Calls of the task
/// command router carry a bearer JWT instead of Modal's headers; calls of RPCs the emulator does not serve
/// are differences.
/// </summary>
internal sealed class RequestComparison
{
    public const string ModalApi = "modal.client.ModalClient";

    /// <summary>The V1 RPC each V2 sandbox RPC is compared as (the same request message, or for SandboxCreateV2 the same definition).</summary>
    public static IReadOnlyDictionary<string, string> V1Counterparts { get; } = new Dictionary<string, string>
    {
        ["SandboxCreateV2"] = "SandboxCreate",
        ["SandboxGetTaskIdV2"] = "SandboxGetTaskId",
        ["SandboxWaitV2"] = "SandboxWait",
        ["SandboxTerminateV2"] = "SandboxTerminate",
        ["SandboxListV2"] = "SandboxList",
    };

    /// <summary>The fields not compared: ids the server issued to each client's own objects.</summary>
    public static IReadOnlyList<IgnoredField> Ignored { get; } =
    [
        new("ImageGetOrCreate", "app_id", "the app id the server issued"),
        new("ImageGetOrCreate", "image.image_registry_config.secret_id", "the registry secret's id the server issued"),
        new("ImageJoinStreaming", "image_id", "the image id the server issued"),
        new("SandboxCreate", "app_id", "the app id the server issued"),
        new("SandboxCreate", "definition.image_id", "the image id the server issued"),
        new("SandboxCreate", "definition.secret_ids", "the environment secret's id the server issued"),
        new("SandboxGetTaskId", "sandbox_id", "the sandbox id the server issued"),
        new("SandboxGetLogs", "sandbox_id", "the sandbox id the server issued"),
        new("SandboxWait", "sandbox_id", "the sandbox id the server issued"),
        new("SandboxTerminate", "sandbox_id", "the sandbox id the server issued"),
    ];

    /// <summary>Headers both must send with the same value when either sends them.</summary>
    public static IReadOnlyList<string> ValueHeaders { get; } =
        ["x-modal-client-type", "x-modal-client-version", "x-modal-token-id", "x-modal-token-secret", "x-modal-host", "x-retry-attempt", "x-throttle-retry-attempt"];

    /// <summary>
    /// Headers whose value is per call, per token or per library: both must send them, or neither
    /// (x-modal-libmodal-version names the library: modal-js/... or stepoperator-dotnet/...).
    /// </summary>
    public static IReadOnlyList<string> PresenceHeaders { get; } =
        ["x-modal-auth-token", "x-idempotency-key", "x-retry-delay", "x-throttle-retry-delay", "x-modal-libmodal-version"];

    /// <summary>Server streams: no idempotency key or retry attempt (retries are for unary calls).</summary>
    public static IReadOnlySet<string> StreamingRpcs { get; } = new HashSet<string> { "ImageJoinStreaming", "SandboxGetLogs", "SandboxStdioReadV2" };

    private static readonly HashSet<string> SecretHeaders = ["x-modal-token-secret", "x-modal-auth-token", "authorization"];

    private static readonly JsonSerializerOptions Readable = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly string _left;
    private readonly string _right;

    private RequestComparison(string left, string right)
    {
        _left = left;
        _right = right;
    }

    public List<string> Differences { get; } = [];

    public List<string> Notes { get; } = [];

    /// <summary>Per RPC, the fields compared in at least one pair (equal or not).</summary>
    public SortedDictionary<string, SortedSet<string>> ComparedFields { get; } = new(StringComparer.Ordinal);

    /// <summary>Per RPC, the fields both set that were not compared (<see cref="Ignored"/>).</summary>
    public SortedDictionary<string, SortedSet<string>> IgnoredFields { get; } = new(StringComparer.Ordinal);

    /// <summary>The pairs compared, e.g. "SandboxGetLogs (print sandbox, FILE_DESCRIPTOR_STDOUT) #1".</summary>
    public List<string> Pairs { get; } = [];

    /// <summary>The pairs of a V2 RPC with its V1 counterpart, e.g. "SandboxCreate #2".</summary>
    public List<string> CrossVersionPairs { get; } = [];

    /// <summary>
    /// Compares <paramref name="left"/>'s requests with <paramref name="right"/>'s; the sandbox labels
    /// name each client's sandboxes by their role ("print sandbox"), since their ids differ.
    /// </summary>
    public static RequestComparison Compare(
        string left, IReadOnlyList<ObservedRequest> leftRequests, IReadOnlyDictionary<string, string> leftSandboxes,
        string right, IReadOnlyList<ObservedRequest> rightRequests, IReadOnlyDictionary<string, string> rightSandboxes)
    {
        var comparison = new RequestComparison(left, right);
        comparison.CheckHeaders(left, leftRequests);
        comparison.CheckHeaders(right, rightRequests);

        var leftKeyed = Keyed(leftRequests, leftSandboxes);
        var rightKeyed = Keyed(rightRequests, rightSandboxes);
        var rightByKey = rightKeyed.ToDictionary(k => k.Key, k => k.Request, StringComparer.Ordinal);
        var leftKeys = leftKeyed.Select(k => k.Key).ToHashSet(StringComparer.Ordinal);
        foreach (var (key, request) in leftKeyed)
        {
            if (rightByKey.TryGetValue(key, out var other))
            {
                comparison.Pairs.Add(key);
                if (request.Rpc != other.Rpc)
                {
                    comparison.CrossVersionPairs.Add(key);
                    comparison.Notes.Add($"{key}: {left} sent {request.Rpc}, {right} {other.Rpc} (compared as {ComparedAs(request.Rpc)}).");
                }

                comparison.ComparePair(key, request, other);
            }
        }

        var leftRpcs = leftRequests.Select(r => r.Rpc).ToHashSet(StringComparer.Ordinal);
        var rightRpcs = rightRequests.Select(r => r.Rpc).ToHashSet(StringComparer.Ordinal);
        foreach (var rpc in leftRpcs.Except(rightRpcs).Order(StringComparer.Ordinal))
        {
            comparison.Notes.Add($"Only {left} called {rpc}.");
        }

        foreach (var rpc in rightRpcs.Except(leftRpcs).Order(StringComparer.Ordinal))
        {
            comparison.Notes.Add($"Only {right} called {rpc}.");
        }

        var leftCompared = leftRpcs.Select(ComparedAs).ToHashSet(StringComparer.Ordinal);
        var rightCompared = rightRpcs.Select(ComparedAs).ToHashSet(StringComparer.Ordinal);
        foreach (var (key, request) in leftKeyed.Where(k => !rightByKey.ContainsKey(k.Key) && rightCompared.Contains(ComparedAs(k.Request.Rpc))))
        {
            comparison.Notes.Add($"Only {left} made {key} (a repeated poll or stream; not compared).");
        }

        foreach (var (key, request) in rightKeyed.Where(k => !leftKeys.Contains(k.Key) && leftCompared.Contains(ComparedAs(k.Request.Rpc))))
        {
            comparison.Notes.Add($"Only {right} made {key} (a repeated poll or stream; not compared).");
        }

        comparison.NoteOneSidedHeaders(leftRequests, rightRequests);
        comparison.NoteOrder(leftRequests, rightRequests);
        return comparison;
    }

    /// <summary>The whole comparison, readable: what was compared, ignored, seen on one side only, and the differences.</summary>
    public string Report()
    {
        var text = new StringBuilder();
        text.AppendLine($"{_left} vs {_right}: {Pairs.Count} request pairs compared, {Differences.Count} difference(s).");
        text.AppendLine("Fields compared (set by both), per RPC:");
        foreach (var (rpc, fields) in ComparedFields)
        {
            text.AppendLine($"  {rpc}: {(fields.Count == 0 ? "(none set by both)" : string.Join(", ", fields))}");
        }

        text.AppendLine("Fields set by both but ignored:");
        foreach (var (rpc, fields) in IgnoredFields)
        {
            text.AppendLine($"  {rpc}: {string.Join(", ", fields)}");
        }

        text.AppendLine($"Headers compared by value: {string.Join(", ", ValueHeaders)}; by presence: {string.Join(", ", PresenceHeaders)}.");
        if (Notes.Count > 0)
        {
            text.AppendLine("Notes:");
            foreach (var note in Notes)
            {
                text.AppendLine("  " + note);
            }
        }

        text.AppendLine(Differences.Count == 0 ? "Differences: none." : "Differences:");
        foreach (var difference in Differences)
        {
            text.AppendLine("  " + difference);
        }

        return text.ToString();
    }

    private static List<(string Key, ObservedRequest Request)> Keyed(IReadOnlyList<ObservedRequest> requests, IReadOnlyDictionary<string, string> sandboxes)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        var keyed = new List<(string, ObservedRequest)>();
        foreach (var request in requests)
        {
            var role = RoleOf(request, sandboxes);
            var rpc = ComparedAs(request.Rpc);
            var group = role.Length == 0 ? rpc : $"{rpc} ({role})";
            var n = counts[group] = counts.GetValueOrDefault(group) + 1;
            keyed.Add(($"{group} #{n}", request));
        }

        return keyed;
    }

    private static string ComparedAs(string rpc) => V1Counterparts.TryGetValue(rpc, out var v1) ? v1 : rpc;

    private static string RoleOf(ObservedRequest request, IReadOnlyDictionary<string, string> sandboxes)
    {
        using var json = JsonDocument.Parse(request.Json);
        var root = json.RootElement;
        if (request.Rpc == "SecretGetOrCreate")
        {
            return root.TryGetProperty("env_dict", out var values) && values.TryGetProperty("REGISTRY_USERNAME", out _)
                ? "registry credentials"
                : "sandbox environment";
        }

        if (root.TryGetProperty("sandbox_id", out var id))
        {
            var role = sandboxes.GetValueOrDefault(id.GetString() ?? string.Empty, "unknown sandbox");
            return root.TryGetProperty("file_descriptor", out var descriptor) ? $"{role}, {descriptor.GetString()}" : role;
        }

        return string.Empty;
    }

    private void ComparePair(string key, ObservedRequest left, ObservedRequest right)
    {
        var leftFields = Flatten(left.Json);
        var rightFields = Flatten(right.Json);
        var rpc = ComparedAs(left.Rpc);
        var compared = Bucket(ComparedFields, rpc);
        foreach (var (path, leftValue) in leftFields)
        {
            if (!rightFields.TryGetValue(path, out var rightValue))
            {
                Notes.Add($"{key}: only {_left} sets {path} = {leftValue}");
                continue;
            }

            if (Ignored.Any(i => i.Rpc == rpc && (path == i.Path || path.StartsWith(i.Path + ".", StringComparison.Ordinal))))
            {
                Bucket(IgnoredFields, rpc).Add(path);
                continue;
            }

            compared.Add(path);
            if (!string.Equals(leftValue, rightValue, StringComparison.Ordinal))
            {
                Differences.Add($"{key}: field {path}: {_left} sends {leftValue}, {_right} sends {rightValue}");
            }
        }

        foreach (var (path, rightValue) in rightFields.Where(f => !leftFields.ContainsKey(f.Key)))
        {
            Notes.Add($"{key}: only {_right} sets {path} = {rightValue}");
        }

        foreach (var header in ValueHeaders)
        {
            var (l, r) = (left.Header(header), right.Header(header));
            if (l != r)
            {
                Differences.Add($"{key}: header {header}: {_left} sends {Show(header, l)}, {_right} sends {Show(header, r)}");
            }
        }

        foreach (var header in PresenceHeaders)
        {
            var (l, r) = (left.Header(header) is not null, right.Header(header) is not null);
            if (l != r)
            {
                Differences.Add($"{key}: header {header}: {(l ? _left : _right)} sends it, {(l ? _right : _left)} does not");
            }
        }
    }

    /// <summary>What each client must send on every call, whatever the other does.</summary>
    private void CheckHeaders(string client, IReadOnlyList<ObservedRequest> requests)
    {
        var authenticated = false;
        var problems = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var request in requests)
        {
            if (!request.Served)
            {
                problems.Add($"{request.Service}/{request.Rpc}, which the emulator does not serve (answered UNIMPLEMENTED)");
                continue;
            }

            if (request.Service != ModalApi)
            {
                // The task command router: its own bearer JWT, none of Modal's API headers needed.
                if (request.Header("authorization") is not { } bearer || !bearer.StartsWith("Bearer ", StringComparison.Ordinal) || bearer.Split('.').Length != 3)
                {
                    problems.Add($"{request.Service}/{request.Rpc} without 'authorization: Bearer <jwt>'");
                }

                continue;
            }

            foreach (var header in new[] { "x-modal-client-type", "x-modal-client-version", "x-modal-token-id", "x-modal-token-secret" })
            {
                if (string.IsNullOrEmpty(request.Header(header)))
                {
                    problems.Add($"{request.Rpc} without {header}");
                }
            }

            if (request.Rpc == "AuthTokenGet")
            {
                authenticated = true;
                if (request.Header("x-modal-auth-token") is not null)
                {
                    problems.Add("AuthTokenGet with x-modal-auth-token");
                }
            }
            else if (!authenticated)
            {
                problems.Add($"{request.Rpc} before AuthTokenGet");
            }
            else if (request.Header("x-modal-auth-token") is not { Length: > 0 } token || token.Split('.').Length != 3)
            {
                problems.Add($"{request.Rpc} after AuthTokenGet without the auth token (x-modal-auth-token)");
            }

            if (!StreamingRpcs.Contains(request.Rpc))
            {
                if (!Guid.TryParse(request.Header("x-idempotency-key"), out _))
                {
                    problems.Add($"unary {request.Rpc} without a UUID x-idempotency-key");
                }

                if (request.Header("x-retry-attempt") is null)
                {
                    problems.Add($"unary {request.Rpc} without x-retry-attempt");
                }
            }
        }

        Differences.AddRange(problems.Select(p => $"{client}: {p}"));
    }

    private void NoteOneSidedHeaders(IReadOnlyList<ObservedRequest> leftRequests, IReadOnlyList<ObservedRequest> rightRequests)
    {
        static SortedSet<string> Names(IEnumerable<ObservedRequest> requests) =>
            new(requests.Where(r => r.Service == ModalApi).SelectMany(r => r.Headers.Keys).Where(k => k.StartsWith("x-", StringComparison.Ordinal)), StringComparer.Ordinal);

        var leftNames = Names(leftRequests);
        var rightNames = Names(rightRequests);
        foreach (var name in leftNames.Except(rightNames))
        {
            Notes.Add($"Only {_left} sends header {name} (e.g. {Show(name, leftRequests.Select(r => r.Header(name)).First(v => v is not null))}).");
        }

        foreach (var name in rightNames.Except(leftNames))
        {
            Notes.Add($"Only {_right} sends header {name} (e.g. {Show(name, rightRequests.Select(r => r.Header(name)).First(v => v is not null))}).");
        }
    }

    private void NoteOrder(IReadOnlyList<ObservedRequest> leftRequests, IReadOnlyList<ObservedRequest> rightRequests)
    {
        static string Sequence(IEnumerable<ObservedRequest> requests)
        {
            var names = new List<string>();
            foreach (var rpc in requests.Select(r => r.Rpc).Where(rpc => rpc != "SandboxGetTaskId"))
            {
                if (names.Count == 0 || names[^1] != rpc)
                {
                    names.Add(rpc);
                }
            }

            return string.Join(" > ", names);
        }

        var (left, right) = (Sequence(leftRequests), Sequence(rightRequests));
        if (left != right)
        {
            Notes.Add($"The calls come in another order (SandboxGetTaskId polls left out):\n    {_left}: {left}\n    {_right}: {right}");
        }
    }

    /// <summary>Leaves by dotted path: scalars as JSON text, repeated fields as a whole, maps key by key, empty messages as {}.</summary>
    private static Dictionary<string, string> Flatten(string json)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        using var document = JsonDocument.Parse(json);
        Walk(document.RootElement, string.Empty);
        return fields;

        void Walk(JsonElement element, string path)
        {
            if (element.ValueKind == JsonValueKind.Object && element.EnumerateObject().Any())
            {
                foreach (var property in element.EnumerateObject())
                {
                    Walk(property.Value, path.Length == 0 ? property.Name : $"{path}.{property.Name}");
                }
            }
            else if (path.Length > 0)
            {
                fields[path] = JsonSerializer.Serialize(element, Readable);
            }
        }
    }

    private static SortedSet<string> Bucket(SortedDictionary<string, SortedSet<string>> buckets, string rpc) =>
        buckets.TryGetValue(rpc, out var set) ? set : buckets[rpc] = new SortedSet<string>(StringComparer.Ordinal);

    private static string Show(string header, string? value) =>
        value is null ? "nothing" : SecretHeaders.Contains(header) ? $"<{value.Length} characters>" : $"\"{value}\"";
}

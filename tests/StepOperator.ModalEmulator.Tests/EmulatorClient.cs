using System.Text;
using Grpc.Core;
using Grpc.Net.Client;
using StepOperator.Modal.Protocol;
using GenericStatus = StepOperator.Modal.Protocol.GenericResult.Types.GenericStatus;

namespace StepOperator.ModalEmulator.Tests;

/// <summary>
/// A gRPC client for an emulator, compiled from the same proto, sending the metadata Modal's SDKs
/// send; plus the few flows the tests repeat (app, image, sandbox, logs, wait).
/// </summary>
public sealed class EmulatorClient : IDisposable
{
    public const string ClientVersion = "1.0.0";

    private readonly GrpcChannel _channel;
    private readonly string _tokenId;
    private readonly string _tokenSecret;
    private GrpcChannel? _router;

    public EmulatorClient(ModalEmulator emulator, string? tokenId = null, string? tokenSecret = null)
    {
        _channel = GrpcChannel.ForAddress(emulator.Url);
        _tokenId = tokenId ?? emulator.TokenId;
        _tokenSecret = tokenSecret ?? emulator.TokenSecret;
        Raw = new ModalClient.ModalClientClient(_channel);
    }

    public ModalClient.ModalClientClient Raw { get; }

    /// <summary>The auth token sent as x-modal-auth-token, once set.</summary>
    public string? AuthToken { get; set; }

    public Metadata Headers(bool withClientVersion = true)
    {
        var headers = new Metadata
        {
            { "x-modal-client-type", "8" },
            { "x-modal-token-id", _tokenId },
            { "x-modal-token-secret", _tokenSecret },
            { "x-idempotency-key", Guid.NewGuid().ToString() },
            { "x-retry-attempt", "0" },
        };
        if (withClientVersion)
        {
            headers.Add("x-modal-client-version", ClientVersion);
        }

        if (AuthToken is not null)
        {
            headers.Add("x-modal-auth-token", AuthToken);
        }

        return headers;
    }

    public CallOptions Call(bool withClientVersion = true) =>
        new(Headers(withClientVersion), DateTime.UtcNow.AddMinutes(2));

    public async Task<string> LoginAsync()
    {
        AuthToken = null;
        AuthToken = (await Raw.AuthTokenGetAsync(new AuthTokenGetRequest(), Call())).Token;
        return AuthToken;
    }

    public async Task<string> AppAsync(string? name = null) =>
        (await Raw.AppGetOrCreateAsync(new AppGetOrCreateRequest
        {
            AppName = name ?? "app-" + Guid.NewGuid().ToString("N")[..8],
            ObjectCreationType = ObjectCreationType.CreateIfMissing,
        }, Call())).AppId;

    public async Task<string> SecretAsync(IDictionary<string, string> values)
    {
        var request = new SecretGetOrCreateRequest { ObjectCreationType = ObjectCreationType.Ephemeral };
        request.EnvDict.Add(values);
        return (await Raw.SecretGetOrCreateAsync(request, Call())).SecretId;
    }

    /// <summary>ImageGetOrCreate for "FROM <paramref name="tag"/>", with registry credentials when given.</summary>
    public async Task<ImageGetOrCreateResponse> ImageAsync(string appId, string tag, string? username = null, string? password = null)
    {
        var image = new Image { DockerfileCommands = { "FROM " + tag } };
        if (username is not null)
        {
            var secretId = await SecretAsync(new Dictionary<string, string> { ["REGISTRY_USERNAME"] = username, ["REGISTRY_PASSWORD"] = password ?? string.Empty });
            image.ImageRegistryConfig = new ImageRegistryConfig { RegistryAuthType = RegistryAuthType.StaticCreds, SecretId = secretId };
        }
        else
        {
            image.ImageRegistryConfig = new ImageRegistryConfig { RegistryAuthType = RegistryAuthType.Public };
        }

        return await Raw.ImageGetOrCreateAsync(new ImageGetOrCreateRequest { AppId = appId, Image = image, BuilderVersion = "2025.06" }, Call());
    }

    /// <summary>Follows ImageJoinStreaming (reopening on eof, as the SDKs do) until the build's result; also answers the log lines seen.</summary>
    public async Task<(GenericResult Result, List<string> Lines, int Streams)> JoinImageAsync(string imageId, float timeout = 55)
    {
        var lines = new List<string>();
        var lastEntryId = string.Empty;
        for (var streams = 1; streams < 100; streams++)
        {
            using var call = Raw.ImageJoinStreaming(new ImageJoinStreamingRequest { ImageId = imageId, Timeout = timeout, LastEntryId = lastEntryId }, Call());
            await foreach (var item in call.ResponseStream.ReadAllAsync())
            {
                lines.AddRange(item.TaskLogs.Select(l => l.Data));
                if (item.EntryId.Length > 0)
                {
                    lastEntryId = item.EntryId;
                }

                if (item.Result is { Status: not GenericStatus.Unspecified } result)
                {
                    return (result, lines, streams);
                }
            }
        }

        throw new InvalidOperationException($"Image {imageId} did not finish.");
    }

    /// <summary>An app, the local base image (public) and a sandbox running <paramref name="command"/>.</summary>
    public async Task<string> SandboxAsync(IEnumerable<string> command, Action<SandboxCreateRequest>? configure = null)
    {
        var (appId, definition) = await DefinitionAsync(command);
        var request = new SandboxCreateRequest { AppId = appId, Definition = definition };
        configure?.Invoke(request);
        return (await Raw.SandboxCreateAsync(request, Call())).SandboxId;
    }

    /// <summary>An app, the local base image (public) and a V2 sandbox running <paramref name="command"/> (SandboxCreateV2).</summary>
    public async Task<SandboxCreateV2Response> SandboxV2Async(IEnumerable<string> command, Action<SandboxCreateV2Request>? configure = null)
    {
        var (appId, definition) = await DefinitionAsync(command);
        var request = new SandboxCreateV2Request { AppId = appId, Definition = definition };
        configure?.Invoke(request);
        return await Raw.SandboxCreateV2Async(request, Call());
    }

    /// <summary>A client of the emulator's task command router (plaintext HTTP/2 on its router port, as the SDKs reach a localhost server's router).</summary>
    public TaskCommandRouter.TaskCommandRouterClient Router(ModalEmulator emulator)
    {
        _router ??= GrpcChannel.ForAddress($"http://127.0.0.1:{emulator.RouterPort}");
        return new TaskCommandRouter.TaskCommandRouterClient(_router);
    }

    public static Metadata Bearer(string jwt) => new() { { "authorization", "Bearer " + jwt } };

    /// <summary>Reads one stream of a V2 sandbox through the router from <paramref name="offset"/> to its end: the bytes as text and the messages.</summary>
    public async Task<(string Text, List<SandboxStdioReadV2Response> Items)> StdioAsync(ModalEmulator emulator, string taskId, string jwt, SandboxStdioFileDescriptor fileDescriptor, ulong offset = 0)
    {
        var items = new List<SandboxStdioReadV2Response>();
        using var call = Router(emulator).SandboxStdioReadV2(
            new SandboxStdioReadV2Request { TaskId = taskId, Offset = offset, FileDescriptor = fileDescriptor },
            new CallOptions(Bearer(jwt), DateTime.UtcNow.AddMinutes(2)));
        await foreach (var item in call.ResponseStream.ReadAllAsync())
        {
            items.Add(item);
        }

        return (string.Concat(items.Select(i => i.Data.ToStringUtf8())), items);
    }

    /// <summary>SandboxWaitV2 in 5-second long polls until the result.</summary>
    public async Task<GenericResult> WaitV2Async(string sandboxId, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (DateTime.UtcNow < deadline)
        {
            var response = await Raw.SandboxWaitV2Async(new SandboxWaitRequest { SandboxId = sandboxId, Timeout = 5 }, Call());
            if (response.Result is not null)
            {
                return response.Result;
            }
        }

        throw new TimeoutException($"Sandbox {sandboxId} did not finish within {within}.");
    }

    private async Task<(string AppId, Sandbox Definition)> DefinitionAsync(IEnumerable<string> command)
    {
        var appId = await AppAsync();
        var image = await ImageAsync(appId, DockerTestEnvironment.BaseImage);
        var (result, lines, _) = await JoinImageAsync(image.ImageId);
        Assert.True(result.Status == GenericStatus.Success, $"Base image import failed: {result.Exception}\n{string.Concat(lines)}");
        return (appId, new Sandbox
        {
            ImageId = image.ImageId,
            EntrypointArgs = { command },
            TimeoutSecs = 120,
            Resources = new Resources { MilliCpu = 500, MemoryMb = 128 },
            NetworkAccess = new NetworkAccess { NetworkAccessType = NetworkAccess.Types.NetworkAccessType.Open },
        });
    }

    public async Task<string> TaskIdAsync(string sandboxId, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (DateTime.UtcNow < deadline)
        {
            var response = await Raw.SandboxGetTaskIdAsync(new SandboxGetTaskIdRequest { SandboxId = sandboxId }, Call());
            if (response.HasTaskId)
            {
                return response.TaskId;
            }

            Assert.Null(response.TaskResult);
            await Task.Delay(100);
        }

        throw new TimeoutException($"Sandbox {sandboxId} got no task within {within}.");
    }

    /// <summary>Reads one file descriptor's output to its eof, reopening streams as the SDKs do.</summary>
    public async Task<string> LogsAsync(string sandboxId, FileDescriptor fileDescriptor, float timeout = 55)
    {
        var text = new StringBuilder();
        var lastEntryId = "0-0";
        for (var streams = 0; streams < 100; streams++)
        {
            using var call = Raw.SandboxGetLogs(new SandboxGetLogsRequest { SandboxId = sandboxId, FileDescriptor = fileDescriptor, Timeout = timeout, LastEntryId = lastEntryId }, Call());
            await foreach (var batch in call.ResponseStream.ReadAllAsync())
            {
                Assert.NotEmpty(batch.EntryId);
                lastEntryId = batch.EntryId;
                foreach (var item in batch.Items)
                {
                    Assert.Equal(fileDescriptor, item.FileDescriptor);
                    text.Append(item.Data);
                }

                if (batch.Eof)
                {
                    return text.ToString();
                }
            }
        }

        throw new InvalidOperationException($"The {fileDescriptor} of {sandboxId} did not end.");
    }

    /// <summary>SandboxWait in 5-second long polls until the result.</summary>
    public async Task<GenericResult> WaitAsync(string sandboxId, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (DateTime.UtcNow < deadline)
        {
            var response = await Raw.SandboxWaitAsync(new SandboxWaitRequest { SandboxId = sandboxId, Timeout = 5 }, Call());
            if (response.Result is not null)
            {
                return response.Result;
            }
        }

        throw new TimeoutException($"Sandbox {sandboxId} did not finish within {within}.");
    }

    public void Dispose()
    {
        _channel.Dispose();
        _router?.Dispose();
    }
}

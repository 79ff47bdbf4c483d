using System;
using System.Threading;
using System.Threading.Tasks;
using Grpc.Core;
using Grpc.Net.Client;
using StepOperator.Modal.Protocol;

namespace StepOperator.Modal;

/// <summary>
/// A V2 sandbox's task command router (modal_proto/task_command_router.proto): where its stdout and stderr are read,
/// by byte offset. Reached at the url of the sandbox's CommandRouterAccess with its jwt as a bearer token; the url is
/// https, reached without TLS only when the Modal server itself is on this machine, as Modal's SDKs do
/// (modal-js's TaskCommandRouterClientImpl.tryInit). An expired jwt is renewed through SandboxGetCommandRouterAccess.
/// </summary>
internal sealed class ModalCommandRouter : IDisposable
{
    private readonly ModalApi _api;
    private readonly string _sandboxId;
    private readonly object _gate = new();
    private GrpcChannel _channel;
    private string _address;
    private TaskCommandRouter.TaskCommandRouterClient _client;
    private string _jwt;

    private ModalCommandRouter(ModalApi api, string sandboxId, string url, string jwt)
    {
        _api = api;
        _sandboxId = sandboxId;
        _jwt = jwt;
        _address = AddressOf(url);
        _channel = GrpcChannel.ForAddress(_address, ModalApi.ChannelOptions());
        _client = new TaskCommandRouter.TaskCommandRouterClient(_channel);
    }

    /// <summary>The router of <paramref name="sandboxId"/>: the access SandboxCreateV2 gave, or asked for now.</summary>
    public static async Task<ModalCommandRouter> OpenAsync(ModalApi api, string sandboxId, CommandRouterAccess? access, CancellationToken cancellationToken)
    {
        if (access is { Url.Length: > 0, Jwt.Length: > 0 })
        {
            return new ModalCommandRouter(api, sandboxId, access.Url, access.Jwt);
        }

        var asked = await api.SandboxGetCommandRouterAccessAsync(new SandboxGetCommandRouterAccessRequest { SandboxId = sandboxId }, cancellationToken).ConfigureAwait(false);
        return new ModalCommandRouter(api, sandboxId, asked.Url, asked.Jwt);
    }

    /// <summary>
    /// Reads one stream of the sandbox's task from byte <paramref name="offset"/> until the server ends it (the
    /// sandbox's output has ended), handing each chunk and the offset after it to <paramref name="received"/>. A stream
    /// that fails is opened again where it got to; a jwt the router refuses is renewed once per failure in a row.
    /// </summary>
    public Task ReadAsync(
        string taskId, SandboxStdioFileDescriptor descriptor, ulong offset, Action<byte[], ulong> received, CancellationToken cancellationToken)
    {
        var first = true;
        return ModalStreams.FollowAsync(
            _api,
            nameof(TaskCommandRouter.TaskCommandRouterClient.SandboxStdioReadV2),
            token =>
            {
                var (client, jwt) = Current();
                first = true;
                var headers = new Metadata { { "authorization", "Bearer " + jwt } };
                return Task.FromResult(client.SandboxStdioReadV2(
                    new SandboxStdioReadV2Request { TaskId = taskId, Offset = offset, FileDescriptor = descriptor },
                    new CallOptions(headers, cancellationToken: token)));
            },
            chunk =>
            {
                // The first chunk of a stream says where it starts (the router may have dropped older output).
                offset = (first ? chunk.StartingOffset : offset) + (ulong)chunk.Data.Length;
                first = false;
                received(chunk.Data.ToByteArray(), offset);
                return false;
            },
            endIsDone: true,
            cancellationToken,
            recover: async (error, token) =>
            {
                if (error.StatusCode != StatusCode.Unauthenticated)
                {
                    return false;
                }

                await RenewAsync(token).ConfigureAwait(false);
                return true;
            });
    }

    private (TaskCommandRouter.TaskCommandRouterClient Client, string Jwt) Current()
    {
        lock (_gate)
        {
            return (_client, _jwt);
        }
    }

    private async Task RenewAsync(CancellationToken cancellationToken)
    {
        var access = await _api.SandboxGetCommandRouterAccessAsync(new SandboxGetCommandRouterAccessRequest { SandboxId = _sandboxId }, cancellationToken).ConfigureAwait(false);
        lock (_gate)
        {
            _jwt = access.Jwt;
            if (AddressOf(access.Url) is var address && address != _address)
            {
                _channel.Dispose();
                _address = address;
                _channel = GrpcChannel.ForAddress(address, ModalApi.ChannelOptions());
                _client = new TaskCommandRouter.TaskCommandRouterClient(_channel);
            }
        }
    }

    private string AddressOf(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttps)
        {
            throw new ModalApiException("SandboxGetCommandRouterAccess", StatusCode.Internal,
                $"Modal gave sandbox {_sandboxId} a command router url that is not https ('{url}').", new FormatException(url));
        }

        return _api.ServerIsLocal ? $"http://{uri.Authority}" : uri.GetLeftPart(UriPartial.Authority);
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _channel.Dispose();
        }
    }
}

using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using Docker.DotNet;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using StepOperator.ModalEmulator.Auth;
using StepOperator.ModalEmulator.Common;
using StepOperator.ModalEmulator.Faults;
using StepOperator.ModalEmulator.Recording;
using StepOperator.ModalEmulator.Sandboxes;
using StepOperator.ModalEmulator.Service;

namespace StepOperator.ModalEmulator;

/// <summary>
/// A Modal server on this machine: Modal's client API (the subset in modal_client.proto) over
/// plaintext HTTP/2 gRPC on 127.0.0.1, the task command router of V2 sandboxes (task_command_router.proto)
/// on a port of its own, with sandboxes run as Docker containers, every request recorded (also calls
/// of RPCs it does not serve, and as JSON on a separate HTTP/1.1 port: GET /requests) and faults to inject.
/// <code>
/// await using var modal = await ModalEmulator.StartAsync(new ModalEmulatorOptions { TokenId = "ak-1", TokenSecret = "as-1" });
/// // point a client at modal.Url (MODAL_SERVER_URL) with that token
/// </code>
/// Disposing stops the server, terminates the sandboxes and removes their containers.
/// </summary>
public sealed class ModalEmulator : IAsyncDisposable
{
    /// <summary>Label on every container of an emulator; its value is the emulator's <see cref="InstanceId"/>.</summary>
    public const string InstanceLabel = "io.stepoperator.modal-emulator.instance";

    /// <summary>Label with the sandbox id a container runs.</summary>
    public const string SandboxLabel = "io.stepoperator.modal-emulator.sandbox";

    /// <summary>Label with the GPUs the sandbox asked for ("A100:2"); they are recorded, not attached.</summary>
    public const string GpuLabel = "io.stepoperator.modal-emulator.gpu";

    private static readonly TimeSpan ShutdownLimit = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan SandboxStopLimit = TimeSpan.FromSeconds(30);

    private readonly WebApplication _app;
    private readonly EmulatorState _state;
    private readonly DockerClient _docker;
    private readonly CancellationTokenSource _stopping;
    private int _disposed;

    private ModalEmulator(WebApplication app, EmulatorState state, DockerClient docker, CancellationTokenSource stopping, string instanceId, int port, int httpPort, int routerPort)
    {
        RouterPort = routerPort;
        _app = app;
        _state = state;
        _docker = docker;
        _stopping = stopping;
        InstanceId = instanceId;
        Port = port;
        HttpPort = httpPort;
    }

    /// <summary>This emulator's id, the value of <see cref="InstanceLabel"/> on its containers.</summary>
    public string InstanceId { get; }

    public int Port { get; }

    public int HttpPort { get; }

    /// <summary>The task command router's port (plaintext HTTP/2).</summary>
    public int RouterPort { get; }

    /// <summary>The task command router as CommandRouterAccess names it: https://127.0.0.1:port (spoken in plaintext; see the README).</summary>
    public Uri RouterUrl => new(_state.RouterUrl);

    /// <summary>The gRPC server, e.g. http://127.0.0.1:50051 (MODAL_SERVER_URL for Modal's SDKs).</summary>
    public Uri Url => new($"http://127.0.0.1:{Port}");

    /// <summary>The HTTP/1.1 side, e.g. http://127.0.0.1:50052.</summary>
    public Uri HttpUrl => new($"http://127.0.0.1:{HttpPort}");

    /// <summary>GET: the recorded requests as JSON; DELETE: forget them.</summary>
    public Uri RequestsUrl => new(HttpUrl, RequestsEndpoint.Path);

    public string TokenId => _state.Options.TokenId;

    public string TokenSecret => _state.Options.TokenSecret;

    /// <summary>Every request received so far, in order, also those that were refused.</summary>
    public IReadOnlyList<RecordedRequest> Requests => _state.Requests.Snapshot();

    public EmulatorFaults Faults => _state.Faults;

    /// <summary>The sandboxes created so far, in order of creation.</summary>
    public IReadOnlyList<SandboxSnapshot> Sandboxes => _state.Sandboxes.All.Select(Snapshot).ToArray();

    /// <summary>Sandboxes whose container runs now.</summary>
    public int RunningSandboxCount => _state.Sandboxes.All.Count(r => r.IsRunning);

    public static async Task<ModalEmulator> StartAsync(ModalEmulatorOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new ModalEmulatorOptions();
        var instanceId = Guid.NewGuid().ToString("N");
        var docker = ConnectDocker(options.DockerEndpoint);
        var stopping = new CancellationTokenSource();
        var state = new EmulatorState(options, docker, instanceId, stopping.Token);

        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = typeof(ModalEmulator).Assembly.GetName().Name });
        ListenOptions? grpcListener = null;
        ListenOptions? httpListener = null;
        ListenOptions? routerListener = null;
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            // gRPC over plaintext HTTP/2 with prior knowledge, as Modal's SDKs speak to an http:// URL.
            kestrel.Listen(IPAddress.Loopback, options.Port, listen =>
            {
                listen.Protocols = HttpProtocols.Http2;
                grpcListener = listen;
            });
            kestrel.Listen(IPAddress.Loopback, options.HttpPort, listen =>
            {
                listen.Protocols = HttpProtocols.Http1;
                httpListener = listen;
            });
            kestrel.Listen(IPAddress.Loopback, options.RouterPort, listen =>
            {
                listen.Protocols = HttpProtocols.Http2;
                routerListener = listen;
            });
        });
        builder.Services.AddRoutingCore();
        builder.Services.AddSingleton(state);
        builder.Services.AddSingleton(state.Requests);
        builder.Services.AddSingleton(state.Replies);
        builder.Services.AddSingleton(state.Faults);
        builder.Services.AddSingleton(state.Tokens);
        builder.Services.AddSingleton(state.RouterTokens);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton<IHostLifetime, QuietHostLifetime>();
        builder.Services.AddGrpc(grpc =>
        {
            grpc.EnableDetailedErrors = true;
            grpc.Interceptors.Add<CallGate>();
        });

        var app = builder.Build();
        var requests = new RequestsEndpoint(state.Requests);
        app.Use(OnlyServedRpcs);
        app.MapGrpcService<ModalClientService>();
        app.MapGrpcService<TaskCommandRouterService>();
        app.MapGet(RequestsEndpoint.Path, OnHttpPort(requests.GetAsync));
        app.MapDelete(RequestsEndpoint.Path, OnHttpPort(requests.DeleteAsync));

        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);
            docker.Dispose();
            stopping.Dispose();
            throw;
        }

        // Kestrel writes the port it bound into the listen options, also when 0 asked for any.
        state.RouterPort = routerListener!.IPEndPoint!.Port;
        var emulator = new ModalEmulator(app, state, docker, stopping, instanceId, grpcListener!.IPEndPoint!.Port, httpListener!.IPEndPoint!.Port, state.RouterPort);
        options.Log?.Invoke($"Modal emulator: gRPC {emulator.Url}, HTTP {emulator.HttpUrl}, task command router {emulator.RouterUrl} (plaintext)");
        return emulator;

        // A gRPC call of an RPC not served on the port it came to (an RPC outside the subset, or the other
        // service's) is recorded, so a run shows what a client tried, and answered UNIMPLEMENTED, as Modal
        // answers a method it does not have.
        Task OnlyServedRpcs(HttpContext context, RequestDelegate next)
        {
            var contentType = context.Request.ContentType ?? string.Empty;
            if (!contentType.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase))
            {
                return next(context);
            }

            var path = context.Request.Path.Value ?? string.Empty;
            var service = CallGate.ServiceName(path);
            var rpc = CallGate.RpcName(path);
            var port = context.Connection.LocalPort;
            var served = port == grpcListener!.IPEndPoint!.Port
                ? service == ModalRpc.ModalClientService && ModalRpc.All.Contains(rpc) && !ModalRpc.Router.Contains(rpc)
                : port == routerListener!.IPEndPoint!.Port && service == ModalRpc.TaskCommandRouterService && ModalRpc.Router.Contains(rpc);
            if (served)
            {
                return next(context);
            }

            state.Requests.RecordUnserved(service, rpc, context.Request.Headers
                .Where(h => !h.Key.StartsWith(':'))
                .Select(h => KeyValuePair.Create(h.Key, h.Value.ToString())));
            var where = port == routerListener!.IPEndPoint!.Port ? "the task command router" : "Modal's API";
            context.Response.StatusCode = StatusCodes.Status200OK;
            context.Response.ContentType = "application/grpc";
            context.Response.Headers["grpc-status"] = "12"; // UNIMPLEMENTED, trailers-only
            context.Response.Headers["grpc-message"] = Uri.EscapeDataString($"Method not found: {path} is not served by the Modal emulator's {where} (it was recorded).");
            return Task.CompletedTask;
        }

        // The JSON endpoint answers only on the HTTP port, not on the gRPC one.
        RequestDelegate OnHttpPort(RequestDelegate handler) => context =>
        {
            if (context.Connection.LocalPort != httpListener!.IPEndPoint!.Port)
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            }

            return handler(context);
        };
    }

    /// <summary>The requests received so far for <paramref name="rpc"/> (a <see cref="ModalRpc"/> name).</summary>
    public IReadOnlyList<RecordedRequest> RequestsFor(string rpc) => _state.Requests.Of(rpc);

    public void ClearRequests() => _state.Requests.Clear();

    /// <summary>An auth token as AuthTokenGet would issue it, valid for <paramref name="validFor"/> (negative: already expired).</summary>
    public string IssueAuthToken(TimeSpan validFor) => _state.Tokens.Issue(TokenId, validFor);

    /// <summary>A command router JWT for the V2 task <paramref name="taskId"/>, valid for <paramref name="validFor"/> (negative: already expired).</summary>
    public string IssueCommandRouterToken(string taskId, TimeSpan validFor) => _state.RouterTokens.Issue(taskId, validFor);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        // Streams and long polls end first, so the server can stop without waiting for their timeouts.
        await _stopping.CancelAsync().ConfigureAwait(false);
        using (var shutdown = new CancellationTokenSource(ShutdownLimit))
        {
            try
            {
                await _app.StopAsync(shutdown.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }

        await _state.Sandboxes.StopAllAsync(SandboxStopLimit).ConfigureAwait(false);
        try
        {
            await _state.Sandboxes.Supervisor.RemoveLeftoversAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is DockerApiException or HttpRequestException or SocketException or IOException)
        {
            // No engine, so no containers either.
        }

        await _app.DisposeAsync().ConfigureAwait(false);
        _docker.Dispose();
        _stopping.Dispose();
    }

    private static DockerClient ConnectDocker(Uri? endpoint)
    {
        var builder = new DockerClientBuilder();
        var host = Environment.GetEnvironmentVariable("DOCKER_HOST");
        if (endpoint is not null)
        {
            builder.WithEndpoint(endpoint);
        }
        else if (!string.IsNullOrEmpty(host))
        {
            builder.WithEndpoint(new Uri(host));
        }

        return builder.Build(); // connects on first use: the emulator runs without an engine until a build or sandbox needs one
    }

    private static SandboxSnapshot Snapshot(SandboxRun run)
    {
        var spec = run.Spec;
        var result = run.Result;
        return new SandboxSnapshot(
            run.Id,
            run.AppId,
            spec.Image.Id,
            run.TaskId,
            run.ContainerId,
            spec.Command,
            spec.Environment,
            (int)spec.MilliCpu,
            (int)spec.MemoryMb,
            spec.GpuType,
            (int)spec.GpuCount,
            (int)spec.Timeout.TotalSeconds,
            spec.Tags,
            run.IsRunning,
            result?.Status.ToString(),
            result?.Exitcode)
        {
            Version = run.Version,
            MilliCpuMax = (int)spec.MilliCpuMax,
            MemoryMbMax = (int)spec.MemoryMbMax,
            CreatedAt = run.CreatedAt,
        };
    }

    /// <summary>The emulator runs inside a test host or a program that handles signals itself: no Ctrl-C handling here.</summary>
    private sealed class QuietHostLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}

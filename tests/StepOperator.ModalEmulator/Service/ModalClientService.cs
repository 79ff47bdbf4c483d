using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Google.Protobuf;
using Grpc.Core;
using StepOperator.ModalEmulator.Auth;
using StepOperator.ModalEmulator.Common;
using StepOperator.ModalEmulator.Faults;
using StepOperator.ModalEmulator.Protocol;
using StepOperator.ModalEmulator.Sandboxes;
using StepOperator.Modal.Protocol;

namespace StepOperator.ModalEmulator.Service;

/// <summary>
/// The RPCs. The call gate has recorded, fault-checked and authenticated each call before it gets
/// here; the state's parts do the work, this class maps requests and waits.
/// </summary>
internal sealed class ModalClientService(EmulatorState state) : ModalClient.ModalClientBase
{
    /// <summary>What a stream's timeout of 0 means: the 55 s Modal's SDKs ask for.</summary>
    private static readonly TimeSpan DefaultStreamTimeout = TimeSpan.FromSeconds(55);

    /// <summary>The longest any one call waits, whatever its timeout says.</summary>
    private static readonly TimeSpan MaxWait = TimeSpan.FromMinutes(10);

    /// <summary>How long SandboxTerminate waits for the container to be gone before it answers.</summary>
    private static readonly TimeSpan TerminateWait = TimeSpan.FromSeconds(30);

    public override Task<AuthTokenGetResponse> AuthTokenGet(AuthTokenGetRequest request, ServerCallContext context)
    {
        var tokenId = context.RequestHeaders.GetValue(CallGate.TokenIdHeader) ?? string.Empty;
        return Task.FromResult(new AuthTokenGetResponse { Token = state.Tokens.Issue(tokenId) });
    }

    public override Task<AppGetOrCreateResponse> AppGetOrCreate(AppGetOrCreateRequest request, ServerCallContext context) =>
        Task.FromResult(new AppGetOrCreateResponse { AppId = state.Apps.GetOrCreate(request) });

    public override Task<EnvironmentGetOrCreateResponse> EnvironmentGetOrCreate(EnvironmentGetOrCreateRequest request, ServerCallContext context) =>
        Task.FromResult(state.Environments.GetOrCreate(request));

    public override Task<SecretGetOrCreateResponse> SecretGetOrCreate(SecretGetOrCreateRequest request, ServerCallContext context) =>
        Task.FromResult(new SecretGetOrCreateResponse { SecretId = state.Secrets.GetOrCreate(request) });

    public override Task<ImageGetOrCreateResponse> ImageGetOrCreate(ImageGetOrCreateRequest request, ServerCallContext context)
    {
        var build = state.Images.GetOrCreate(request);
        var response = new ImageGetOrCreateResponse { ImageId = build.Id };
        if (build.Result is { } result)
        {
            response.Result = result;
            response.Metadata = build.Metadata(state.Options.ImageBuilderVersion);
        }

        return Task.FromResult(response);
    }

    public override async Task ImageJoinStreaming(ImageJoinStreamingRequest request, IServerStreamWriter<ImageJoinStreamingResponse> responseStream, ServerCallContext context)
    {
        var build = state.Images.Find(request.ImageId) ?? throw new RpcException(new Status(StatusCode.NotFound, $"Image '{request.ImageId}' not found."));
        using var call = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, state.Stopping);
        var cutter = StreamCutter.For(state.Faults, ModalRpc.ImageJoinStreaming, FileDescriptor.Unspecified, context);
        Task Send(IReadOnlyList<LogEntry> entries) => responseStream.WriteAsync(new ImageJoinStreamingResponse
        {
            TaskLogs = { entries.Select(e => e.ToTaskLogs()) },
            EntryId = entries[^1].EntryId,
        }, call.Token);
        var outcome = await JournalFollower.FollowAsync(
            build.Logs,
            EntryIds.Parse(request.LastEntryId),
            _ => true,
            StreamTimeout(request.Timeout),
            entries => cutter is null ? Send(entries) : cutter.SendAsync(entries, Send),
            call.Token).ConfigureAwait(false);

        // The journal is complete only once the build has its result.
        var final = new ImageJoinStreamingResponse { EntryId = EntryIds.Format(outcome.LastSequence) };
        if (outcome.ReachedEnd && build.Result is { } result)
        {
            final.Result = result;
            final.Metadata = build.Metadata(state.Options.ImageBuilderVersion);
        }
        else
        {
            final.Eof = true; // time is up: the client reopens the stream from EntryId
        }

        await responseStream.WriteAsync(final, call.Token).ConfigureAwait(false);
    }

    public override Task<SandboxCreateResponse> SandboxCreate(SandboxCreateRequest request, ServerCallContext context)
    {
        var spec = state.Validator.Validate(request);
        var run = state.Sandboxes.Start(request.AppId, state.Apps.EnvironmentOf(request.AppId)!, spec, SandboxVersion.V1);
        return Task.FromResult(new SandboxCreateResponse { SandboxId = run.Id });
    }

    /// <summary>
    /// A V2 sandbox: validated as SandboxCreate, its environment also inline; answered at once with its
    /// ULID-shaped id, its task id (a V2 sandbox's task is allocated with it; the container starts behind
    /// it) and the access to its task command router (py/modal/sandbox.py reads sandbox_id, task_id and
    /// command_router_access from the answer; npm modal 0.11.1 experimentalCreate the same).
    /// </summary>
    public override Task<SandboxCreateV2Response> SandboxCreateV2(SandboxCreateV2Request request, ServerCallContext context)
    {
        var spec = state.Validator.ValidateV2(request, SecretSourcesOf(request));
        var run = state.Sandboxes.Start(request.AppId, state.Apps.EnvironmentOf(request.AppId)!, spec, SandboxVersion.V2);
        return Task.FromResult(new SandboxCreateV2Response
        {
            SandboxId = run.Id,
            TaskId = run.TaskId!,
            CommandRouterAccess = RouterAccess(run),
        });
    }

    public override Task<SandboxGetCommandRouterAccessResponse> SandboxGetCommandRouterAccess(SandboxGetCommandRouterAccessRequest request, ServerCallContext context)
    {
        var run = request.TargetCase switch
        {
            SandboxGetCommandRouterAccessRequest.TargetOneofCase.SandboxId =>
                state.Sandboxes.Get(request.SandboxId, SandboxVersion.V2, ModalRpc.SandboxGetCommandRouterAccess, "TaskGetCommandRouterAccess (not served by the emulator)"),
            SandboxGetCommandRouterAccessRequest.TargetOneofCase.TaskId => state.Sandboxes.FindByTask(request.TaskId) is { Version: SandboxVersion.V2 } found
                ? found
                : throw new RpcException(new Status(StatusCode.NotFound, $"No V2 sandbox has task '{request.TaskId}'.")),
            _ => throw new RpcException(new Status(StatusCode.InvalidArgument, "Set sandbox_id or task_id.")),
        };
        var access = RouterAccess(run);
        return Task.FromResult(new SandboxGetCommandRouterAccessResponse { Jwt = access.Jwt, Url = access.Url });
    }

    public override Task<SandboxGetTaskIdResponse> SandboxGetTaskId(SandboxGetTaskIdRequest request, ServerCallContext context) =>
        GetTaskIdAsync(state.Sandboxes.Get(request.SandboxId, SandboxVersion.V1, ModalRpc.SandboxGetTaskId, ModalRpc.SandboxGetTaskIdV2), request, context);

    public override Task<SandboxGetTaskIdResponse> SandboxGetTaskIdV2(SandboxGetTaskIdRequest request, ServerCallContext context) =>
        GetTaskIdAsync(state.Sandboxes.Get(request.SandboxId, SandboxVersion.V2, ModalRpc.SandboxGetTaskIdV2, ModalRpc.SandboxGetTaskId), request, context);

    public override Task<SandboxListResponse> SandboxList(SandboxListRequest request, ServerCallContext context) =>
        Task.FromResult(List(request, includeV2: false));

    /// <summary>V1 and V2 sandboxes (npm modal 0.11.1 experimentalList: "This lists all Sandboxes (both v1 and v2)").</summary>
    public override Task<SandboxListResponse> SandboxListV2(SandboxListRequest request, ServerCallContext context) =>
        Task.FromResult(List(request, includeV2: true));

    private async Task<SandboxGetTaskIdResponse> GetTaskIdAsync(SandboxRun run, SandboxGetTaskIdRequest request, ServerCallContext context)
    {
        var wait = request.HasTimeout && request.Timeout > 0 ? Limit(request.Timeout) : request.WaitUntilReady ? DefaultStreamTimeout : TimeSpan.Zero;
        using var call = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, state.Stopping);
        await WaitUntilAsync(run.Changed, () => run.TaskId is not null || run.Result is not null, wait, call.Token).ConfigureAwait(false);

        var response = new SandboxGetTaskIdResponse();
        if (run.TaskId is { } taskId)
        {
            response.TaskId = taskId;
        }

        if (run.Result is { } result)
        {
            response.TaskResult = result;
        }

        return response;
    }

    public override async Task SandboxGetLogs(SandboxGetLogsRequest request, IServerStreamWriter<TaskLogsBatch> responseStream, ServerCallContext context)
    {
        var run = state.Sandboxes.Get(request.SandboxId, SandboxVersion.V1, ModalRpc.SandboxGetLogs, "the task command router's SandboxStdioReadV2");
        Func<LogEntry, bool> wanted = request.FileDescriptor == FileDescriptor.Unspecified
            ? e => e.FileDescriptor is FileDescriptor.Stdout or FileDescriptor.Stderr
            : e => e.FileDescriptor == request.FileDescriptor;
        using var call = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, state.Stopping);
        var cutter = StreamCutter.For(state.Faults, ModalRpc.SandboxGetLogs, request.FileDescriptor, context);
        Task Send(IReadOnlyList<LogEntry> entries) => responseStream.WriteAsync(new TaskLogsBatch
        {
            TaskId = run.TaskId ?? string.Empty,
            Items = { entries.Select(e => e.ToTaskLogs()) },
            EntryId = entries[^1].EntryId,
        }, call.Token);
        var outcome = await JournalFollower.FollowAsync(
            run.Logs,
            EntryIds.Parse(request.LastEntryId),
            wanted,
            StreamTimeout(request.Timeout),
            entries => cutter is null ? Send(entries) : cutter.SendAsync(entries, Send),
            call.Token).ConfigureAwait(false);

        // Without eof the client reopens the stream after the last entry id it saw.
        if (outcome.ReachedEnd)
        {
            var last = Math.Max(outcome.LastSequence, EntryIds.Parse(request.LastEntryId));
            await responseStream.WriteAsync(new TaskLogsBatch { TaskId = run.TaskId ?? string.Empty, EntryId = EntryIds.Format(last), Eof = true }, call.Token).ConfigureAwait(false);
        }
    }

    public override Task<SandboxWaitResponse> SandboxWait(SandboxWaitRequest request, ServerCallContext context) =>
        WaitAsync(state.Sandboxes.Get(request.SandboxId, SandboxVersion.V1, ModalRpc.SandboxWait, ModalRpc.SandboxWaitV2), request, context);

    public override Task<SandboxWaitResponse> SandboxWaitV2(SandboxWaitRequest request, ServerCallContext context) =>
        WaitAsync(state.Sandboxes.Get(request.SandboxId, SandboxVersion.V2, ModalRpc.SandboxWaitV2, ModalRpc.SandboxWait), request, context);

    public override Task<SandboxTerminateResponse> SandboxTerminate(SandboxTerminateRequest request, ServerCallContext context) =>
        TerminateAsync(state.Sandboxes.Get(request.SandboxId, SandboxVersion.V1, ModalRpc.SandboxTerminate, ModalRpc.SandboxTerminateV2), context);

    public override Task<SandboxTerminateResponse> SandboxTerminateV2(SandboxTerminateRequest request, ServerCallContext context) =>
        TerminateAsync(state.Sandboxes.Get(request.SandboxId, SandboxVersion.V2, ModalRpc.SandboxTerminateV2, ModalRpc.SandboxTerminate), context);

    private async Task<SandboxWaitResponse> WaitAsync(SandboxRun run, SandboxWaitRequest request, ServerCallContext context)
    {
        var wait = request.Timeout > 0 ? Limit(request.Timeout) : TimeSpan.Zero;
        using var call = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, state.Stopping);
        await WaitUntilAsync(run.Changed, () => run.Result is not null, wait, call.Token).ConfigureAwait(false);
        return new SandboxWaitResponse { Result = run.Result }; // null (ABSENT) while it runs
    }

    private async Task<SandboxTerminateResponse> TerminateAsync(SandboxRun run, ServerCallContext context)
    {
        if (run.Result is { } existing)
        {
            return new SandboxTerminateResponse { ExistingResult = existing };
        }

        await state.Sandboxes.Supervisor.KillAsync(run, SandboxResults.Terminated()).ConfigureAwait(false);
        using var call = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, state.Stopping);
        await WaitUntilAsync(run.Changed, () => run.Result is not null, TerminateWait, call.Token).ConfigureAwait(false);
        return new SandboxTerminateResponse();
    }

    /// <summary>The environment sources npm modal 0.11.1 sends in SandboxCreateV2Request.secret_sources (field 6; see sandbox_secret_sources.proto).</summary>
    private static IReadOnlyList<EnvironmentSource> SecretSourcesOf(SandboxCreateV2Request request) =>
        SandboxCreateV2SecretSources.Parser.ParseFrom(request.ToByteString()).SecretSources
            .Select(source => source.SourceCase == SecretSource.SourceOneofCase.SecretId
                ? new EnvironmentSource(source.SecretId, null)
                : new EnvironmentSource(null, new Dictionary<string, string>(source.Env?.Contents ?? new Google.Protobuf.Collections.MapField<string, string>())))
            .ToArray();

    private CommandRouterAccess RouterAccess(SandboxRun run) => new()
    {
        Url = state.RouterUrl,
        Jwt = state.RouterTokens.Issue(run.TaskId!),
    };

    private SandboxListResponse List(SandboxListRequest request, bool includeV2)
    {
        var response = new SandboxListResponse();
        foreach (var run in state.Sandboxes.List(request, includeV2))
        {
            var spec = run.Spec;
            var task = new TaskInfo
            {
                Id = run.TaskId ?? string.Empty,
                SandboxId = run.Id,
                EnqueuedAt = Seconds(run.CreatedAt),
                StartedAt = run.StartedAt is { } started ? Seconds(started) : 0,
                FinishedAt = run.FinishedAt is { } finished ? Seconds(finished) : 0,
                Result = run.Result,
                GpuType = spec.GpuType ?? string.Empty,
                GpuConfig = spec.GpuType is null ? null : new GPUConfig { GpuType = spec.GpuType, Count = spec.GpuCount },
            };
            response.Sandboxes.Add(new SandboxInfo
            {
                Id = run.Id,
                AppId = run.AppId,
                CreatedAt = Seconds(run.CreatedAt),
                TaskInfo = task,
                ImageId = spec.Image.Id,
                TimeoutSecs = (uint)spec.Timeout.TotalSeconds,
                Tags = { spec.Tags.Select(t => new SandboxTag { TagName = t.Key, TagValue = t.Value }) },
            });
        }

        return response;
    }

    private static double Seconds(DateTimeOffset at) => UnixTime.Seconds(at);

    private static TimeSpan StreamTimeout(float seconds) => seconds > 0 ? Limit(seconds) : DefaultStreamTimeout;

    private static TimeSpan Limit(float seconds) => float.IsFinite(seconds) ? TimeSpan.FromSeconds(Math.Min(seconds, MaxWait.TotalSeconds)) : MaxWait;

    /// <summary>Waits until <paramref name="done"/> holds or <paramref name="limit"/> has passed (no error then).</summary>
    private static async Task WaitUntilAsync(ChangeSignal changes, Func<bool> done, TimeSpan limit, CancellationToken cancellationToken)
    {
        var deadline = DateTimeOffset.UtcNow + limit;
        while (true)
        {
            var changed = changes.NextChange;
            var remaining = deadline - DateTimeOffset.UtcNow;
            if (done() || remaining <= TimeSpan.Zero)
            {
                return;
            }

            try
            {
                await changed.WaitAsync(remaining, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                return;
            }
        }
    }
}

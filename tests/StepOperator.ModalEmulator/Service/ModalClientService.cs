using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Grpc.Core;
using StepOperator.ModalEmulator.Auth;
using StepOperator.ModalEmulator.Common;
using StepOperator.ModalEmulator.Faults;
using StepOperator.ModalEmulator.Sandboxes;
using StepOperator.Stacks.Modal.Protocol;

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
        var run = state.Sandboxes.Start(request.AppId, spec);
        return Task.FromResult(new SandboxCreateResponse { SandboxId = run.Id });
    }

    public override async Task<SandboxGetTaskIdResponse> SandboxGetTaskId(SandboxGetTaskIdRequest request, ServerCallContext context)
    {
        var run = state.Sandboxes.Get(request.SandboxId);
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
        var run = state.Sandboxes.Get(request.SandboxId);
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

    public override async Task<SandboxWaitResponse> SandboxWait(SandboxWaitRequest request, ServerCallContext context)
    {
        var run = state.Sandboxes.Get(request.SandboxId);
        var wait = request.Timeout > 0 ? Limit(request.Timeout) : TimeSpan.Zero;
        using var call = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, state.Stopping);
        await WaitUntilAsync(run.Changed, () => run.Result is not null, wait, call.Token).ConfigureAwait(false);
        return new SandboxWaitResponse { Result = run.Result }; // null (ABSENT) while it runs
    }

    public override async Task<SandboxTerminateResponse> SandboxTerminate(SandboxTerminateRequest request, ServerCallContext context)
    {
        var run = state.Sandboxes.Get(request.SandboxId);
        if (run.Result is { } existing)
        {
            return new SandboxTerminateResponse { ExistingResult = existing };
        }

        await state.Sandboxes.Supervisor.KillAsync(run, SandboxResults.Terminated()).ConfigureAwait(false);
        using var call = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, state.Stopping);
        await WaitUntilAsync(run.Changed, () => run.Result is not null, TerminateWait, call.Token).ConfigureAwait(false);
        return new SandboxTerminateResponse();
    }

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

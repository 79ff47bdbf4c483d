using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Google.Protobuf;
using Grpc.Core;
using StepOperator.ModalEmulator.Common;
using StepOperator.ModalEmulator.Faults;
using StepOperator.ModalEmulator.Sandboxes;
using StepOperator.Modal.Protocol;

namespace StepOperator.ModalEmulator.Service;

/// <summary>
/// The task command router of V2 sandboxes (served on the emulator's router port, reached through the
/// url of a CommandRouterAccess). The call gate has recorded, fault-checked and checked the bearer JWT
/// of each call before it gets here.
/// </summary>
internal sealed class TaskCommandRouterService(EmulatorState state) : TaskCommandRouter.TaskCommandRouterBase
{
    /// <summary>
    /// A V2 sandbox's stdout or stderr from byte <c>offset</c> on, as it comes, until the sandbox's output
    /// has ended ("serves both live reads and post-exit reads", py/modal/_utils/task_command_router_client.py).
    /// The bytes are those of the journal SandboxGetLogs reads (each stream's output as UTF-8); every message
    /// carries data (npm modal 0.11.1 refuses an empty one) and the offset of its first byte.
    /// </summary>
    public override async Task SandboxStdioReadV2(SandboxStdioReadV2Request request, IServerStreamWriter<SandboxStdioReadV2Response> responseStream, ServerCallContext context)
    {
        var run = state.Sandboxes.FindByTask(request.TaskId) is { Version: SandboxVersion.V2 } found
            ? found
            : throw new RpcException(new Status(StatusCode.NotFound, $"No V2 sandbox has task '{request.TaskId}'; the task command router serves the tasks of V2 sandboxes (SandboxCreateV2)."));
        var fileDescriptor = request.FileDescriptor switch
        {
            SandboxStdioFileDescriptor.Stdout => FileDescriptor.Stdout,
            SandboxStdioFileDescriptor.Stderr => FileDescriptor.Stderr,
            _ => throw new RpcException(new Status(StatusCode.InvalidArgument, $"Unknown file_descriptor {request.FileDescriptor}: 0 (stdout) or 1 (stderr).")),
        };

        using var call = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, state.Stopping);
        var cutter = StreamCutter.For(state.Faults, ModalRpc.SandboxStdioReadV2, fileDescriptor, context);
        async Task Send(IReadOnlyList<OutputChunk> chunks)
        {
            foreach (var chunk in chunks)
            {
                await responseStream.WriteAsync(new SandboxStdioReadV2Response
                {
                    Data = ByteString.CopyFrom(chunk.Data),
                    StartingOffset = (ulong)chunk.Offset,
                }, call.Token).ConfigureAwait(false);
            }
        }

        var offset = (long)Math.Min(request.Offset, long.MaxValue);
        while (true)
        {
            var changed = run.Logs.Changed.NextChange;
            var (chunks, reachedEnd) = run.Logs.ReadBytesFrom(fileDescriptor, offset);
            if (chunks.Count > 0)
            {
                await (cutter is null ? Send(chunks) : cutter.SendAsync(chunks, Send)).ConfigureAwait(false);
                var last = chunks[^1];
                offset = last.Offset + last.Data.Length;
            }

            if (reachedEnd)
            {
                return;
            }

            if (chunks.Count == 0)
            {
                await changed.WaitAsync(call.Token).ConfigureAwait(false);
            }
        }
    }
}

using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using Grpc.Core;
using Microsoft.AspNetCore.Connections.Features;
using StepOperator.ModalEmulator.Common;
using StepOperator.Modal.Protocol;

namespace StepOperator.ModalEmulator.Faults;

/// <summary>
/// Carries out a <see cref="PlannedCut"/> on one stream: passes entries through until the planned
/// number was sent (splitting the batch that crosses it), lets them arrive, then cuts the stream as planned.
/// </summary>
internal sealed class StreamCutter
{
    private static readonly TimeSpan DeliveryPause = TimeSpan.FromMilliseconds(200);

    private readonly PlannedCut _cut;
    private readonly ServerCallContext _context;
    private int _left;

    private StreamCutter(PlannedCut cut, ServerCallContext context)
    {
        _cut = cut;
        _context = context;
        _left = cut.AfterEntries;
    }

    /// <summary>A cutter when a cut is planned for this stream, else null.</summary>
    public static StreamCutter? For(EmulatorFaults faults, string rpc, FileDescriptor fileDescriptor, ServerCallContext context) =>
        faults.TakeCut(rpc, fileDescriptor) is { } cut ? new StreamCutter(cut, context) : null;

    /// <summary>
    /// Sends <paramref name="entries"/> (log entries, or output chunks of the task command router; or as
    /// many as the cut allows) with <paramref name="send"/>; throws once the stream is cut.
    /// </summary>
    public async Task SendAsync<T>(IReadOnlyList<T> entries, Func<IReadOnlyList<T>, Task> send)
    {
        var now = entries.Take(_left).ToArray();
        if (now.Length > 0)
        {
            await send(now).ConfigureAwait(false);
            _left -= now.Length;
        }

        if (_left == 0)
        {
            if (now.Length > 0)
            {
                // What was sent reaches the client before the cut (a reset would discard data still in flight).
                await Task.Delay(DeliveryPause, _context.CancellationToken).ConfigureAwait(false);
            }

            Cut();
        }
    }

    private void Cut()
    {
        var what = $"Injected fault: the {_cut.Rpc} stream was cut ({_cut.How}) after {_cut.AfterEntries} entries.";
        var http = _context.GetHttpContext();
        switch (_cut.How)
        {
            case StreamCut.Unavailable:
                throw new RpcException(new Status(StatusCode.Unavailable, what));
            case StreamCut.CloseConnection when http.Features.Get<IConnectionLifetimeFeature>() is { } connection:
                connection.Abort();
                break;
            default:
                http.Abort();
                break;
        }

        throw new OperationCanceledException(what);
    }
}

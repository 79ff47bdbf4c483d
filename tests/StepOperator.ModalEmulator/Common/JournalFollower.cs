using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace StepOperator.ModalEmulator.Common;

/// <summary>How following a journal ended: at its end, or because the stream's time was up.</summary>
internal readonly record struct FollowOutcome(bool ReachedEnd, long LastSequence);

/// <summary>
/// Sends a journal's entries as they arrive until the journal is complete and all its entries were
/// sent, or until the time limit (Modal's streams end after their `timeout` and clients reopen them).
/// </summary>
internal static class JournalFollower
{
    public static async Task<FollowOutcome> FollowAsync(
        LogJournal journal,
        long afterSequence,
        Func<LogEntry, bool> filter,
        TimeSpan limit,
        Func<IReadOnlyList<LogEntry>, Task> sendBatch,
        CancellationToken cancellationToken)
    {
        var deadline = DateTimeOffset.UtcNow + limit;
        var last = afterSequence;
        while (true)
        {
            var changed = journal.Changed.NextChange;
            var (entries, reachedEnd) = journal.ReadAfter(last, filter);
            if (entries.Count > 0)
            {
                await sendBatch(entries).ConfigureAwait(false);
                last = entries[^1].Sequence;
            }

            if (reachedEnd)
            {
                return new FollowOutcome(true, last);
            }

            var remaining = deadline - DateTimeOffset.UtcNow;
            if (remaining <= TimeSpan.Zero)
            {
                return new FollowOutcome(false, last);
            }

            if (entries.Count > 0)
            {
                continue; // More may be waiting already (a read returns at most one batch).
            }

            try
            {
                await changed.WaitAsync(remaining, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                return new FollowOutcome(false, last);
            }
        }
    }
}

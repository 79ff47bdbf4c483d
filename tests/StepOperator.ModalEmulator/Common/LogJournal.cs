using System;
using System.Collections.Generic;
using StepOperator.Stacks.Modal.Protocol;

namespace StepOperator.ModalEmulator.Common;

/// <summary>One piece of output, numbered in the order its journal received it.</summary>
internal sealed record LogEntry(long Sequence, FileDescriptor FileDescriptor, string Data, double Timestamp)
{
    public string EntryId => EntryIds.Format(Sequence);

    public TaskLogs ToTaskLogs() => new() { Data = Data, FileDescriptor = FileDescriptor, Timestamp = Timestamp };
}

/// <summary>
/// The output of an image build or a sandbox, kept whole so that any stream can resume after any
/// entry id; complete once its producer has nothing more to add.
/// </summary>
internal sealed class LogJournal
{
    private readonly object _gate = new();
    private readonly List<LogEntry> _entries = new();
    private bool _complete;

    public ChangeSignal Changed { get; } = new();

    public bool IsComplete
    {
        get
        {
            lock (_gate)
            {
                return _complete;
            }
        }
    }

    public void Append(FileDescriptor fileDescriptor, string data)
    {
        lock (_gate)
        {
            if (_complete)
            {
                return;
            }

            _entries.Add(new LogEntry(_entries.Count + 1, fileDescriptor, data, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0));
        }

        Changed.Pulse();
    }

    public void Complete()
    {
        lock (_gate)
        {
            _complete = true;
        }

        Changed.Pulse();
    }

    /// <summary>
    /// Up to <paramref name="max"/> entries after <paramref name="sequence"/> that pass
    /// <paramref name="filter"/>, and whether that read reached the end of a complete journal.
    /// </summary>
    public (IReadOnlyList<LogEntry> Entries, bool ReachedEnd) ReadAfter(long sequence, Func<LogEntry, bool> filter, int max = 200)
    {
        lock (_gate)
        {
            var found = new List<LogEntry>();
            var index = (int)Math.Clamp(sequence, 0, _entries.Count);
            for (; index < _entries.Count && found.Count < max; index++)
            {
                if (filter(_entries[index]))
                {
                    found.Add(_entries[index]);
                }
            }

            return (found, _complete && index == _entries.Count);
        }
    }

    public IReadOnlyList<LogEntry> Snapshot()
    {
        lock (_gate)
        {
            return _entries.ToArray();
        }
    }
}

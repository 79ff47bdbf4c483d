using System;
using System.Collections.Generic;
using System.Text;
using StepOperator.Modal.Protocol;

namespace StepOperator.ModalEmulator.Common;

/// <summary>
/// One piece of output, numbered in the order its journal received it. <paramref name="ByteOffset"/>
/// is where its UTF-8 bytes start in its file descriptor's byte stream (the offsets of the V2 task
/// command router's SandboxStdioReadV2).
/// </summary>
internal sealed record LogEntry(long Sequence, FileDescriptor FileDescriptor, string Data, double Timestamp, long ByteOffset)
{
    public byte[] Bytes => Encoding.UTF8.GetBytes(Data);

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
    private readonly Dictionary<FileDescriptor, long> _bytes = new();
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

            var offset = _bytes.GetValueOrDefault(fileDescriptor);
            _bytes[fileDescriptor] = offset + Encoding.UTF8.GetByteCount(data);
            _entries.Add(new LogEntry(_entries.Count + 1, fileDescriptor, data, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0, offset));
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

    /// <summary>
    /// The output of <paramref name="fileDescriptor"/> from byte <paramref name="offset"/> on, one chunk
    /// per entry (the first one cut at the offset; never empty), and whether that read reached the end of
    /// a complete journal.
    /// </summary>
    public (IReadOnlyList<OutputChunk> Chunks, bool ReachedEnd) ReadBytesFrom(FileDescriptor fileDescriptor, long offset, int max = 200)
    {
        lock (_gate)
        {
            var chunks = new List<OutputChunk>();
            var reachedEnd = _complete;
            foreach (var entry in _entries)
            {
                if (entry.FileDescriptor != fileDescriptor)
                {
                    continue;
                }

                var bytes = entry.Bytes;
                var end = entry.ByteOffset + bytes.Length;
                if (end <= offset || bytes.Length == 0)
                {
                    continue;
                }

                if (chunks.Count == max)
                {
                    reachedEnd = false;
                    break;
                }

                var skip = (int)Math.Max(0, offset - entry.ByteOffset);
                chunks.Add(new OutputChunk(entry.ByteOffset + skip, bytes.AsSpan(skip).ToArray()));
            }

            return (chunks, reachedEnd);
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

/// <summary>Bytes of one output stream and the offset of the first of them.</summary>
internal sealed record OutputChunk(long Offset, byte[] Data);

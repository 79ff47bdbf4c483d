using System;
using System.Collections.Generic;
using System.Threading.Tasks;
using StepOperator.Stacks;

namespace StepOperator.Modal;

/// <summary>
/// How far a sandbox's log streams have been read (Modal's last entry id per stream), told to the run as they advance
/// so a resumed run continues the logs from there instead of printing them again.
/// </summary>
internal sealed class SandboxLogPositions(BackendCall start, Func<BackendCall, Task>? track)
{
    private readonly object _gate = new();
    private BackendCall _call = start;

    public string? Of(string stream)
    {
        lock (_gate)
        {
            return _call.LogPositions is { } positions && positions.TryGetValue(stream, out var position) ? position : null;
        }
    }

    public void Advance(string stream, string position)
    {
        BackendCall call;
        lock (_gate)
        {
            var positions = _call.LogPositions is null
                ? new Dictionary<string, string>(StringComparer.Ordinal)
                : new Dictionary<string, string>(_call.LogPositions, StringComparer.Ordinal);
            positions[stream] = position;
            _call = call = _call with { LogPositions = positions };
        }

        // The run records later positions shortly (it awaits only a call's first report), so this does not wait.
        _ = track?.Invoke(call);
    }
}

using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using StepOperator.Execution;
using StepOperator.Flavors;
using StepOperator.Stacks;

namespace StepOperator.Local;

/// <summary>
/// One child process running the program's step entrypoint: started for a call (its arguments name it), or on
/// standby and given its call later (<see cref="TryDispatch"/>). Its output lines go to the call's sink; lines
/// printed before the call was known are held and passed on when it is.
/// </summary>
internal sealed class StepChildProcess : IDisposable
{
    private static readonly Encoding Utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);

    private readonly Process _process;
    private readonly object _gate = new();
    private readonly TaskCompletionSource _outputDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _errorDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private List<(string Text, bool IsError)>? _held = new();
    private IStepOutputSink? _sink;

    private StepChildProcess(Process process) => _process = process;

    public int Id => _process.Id;

    /// <summary>Starts the entrypoint for one call, with the call's arguments and environment.</summary>
    public static StepChildProcess StartFor(IReadOnlyList<string> command, StepLaunch launch)
    {
        var child = Start(command, launch.EntrypointArguments, launch.Environment, standby: false, launch.Step.Name);
        child.SendOutputTo(launch.Output);
        return child;
    }

    /// <summary>Starts the entrypoint on standby: it gets ready and waits for <see cref="TryDispatch"/>.</summary>
    public static StepChildProcess StartStandby(IReadOnlyList<string> command) =>
        Start(command, StepEntrypointArguments.Standby, new Dictionary<string, string>(), standby: true, "standby");

    private static StepChildProcess Start(IReadOnlyList<string> command, IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string> environment, bool standby, string what)
    {
        var start = new ProcessStartInfo(command[0])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true, // a standby process reads its call there; any step sees the input end, as in a container
            StandardInputEncoding = Utf8,
            UseShellExecute = false,
        };
        for (var i = 1; i < command.Count; i++)
        {
            start.ArgumentList.Add(command[i]);
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var secret in SecretVariables.Names)
        {
            start.Environment.Remove(secret);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var child = new StepChildProcess(process);
        process.OutputDataReceived += (_, e) => child.Forward(e.Data, isError: false);
        process.ErrorDataReceived += (_, e) => child.Forward(e.Data, isError: true);
        if (!process.Start())
        {
            process.Dispose();
            throw new InvalidOperationException($"Could not start step '{what}' ({command[0]}).");
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!standby)
        {
            process.StandardInput.Close();
        }

        return child;
    }

    /// <summary>
    /// Gives a standby process its call and closes its input (a step that reads standard input sees its end, as in a
    /// container). False when the process is no longer there to take it.
    /// </summary>
    public bool TryDispatch(StepLaunch launch)
    {
        if (_process.HasExited)
        {
            return false;
        }

        try
        {
            var input = _process.StandardInput;
            input.WriteLine(new StandbyDispatch(launch.EntrypointArguments, launch.Environment).ToLine());
            input.Close();
        }
        catch (IOException)
        {
            return false; // it ended between the check and the write
        }

        SendOutputTo(launch.Output);
        return true;
    }

    /// <summary>Waits for the process to end; on cancellation or past <paramref name="timeout"/> it is killed.</summary>
    public async Task<StepExit> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var timer = new CancellationTokenSource(timeout);
        using var either = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
        var reason = StepExitReason.Exited;
        try
        {
            await _process.WaitForExitAsync(either.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            reason = cancellationToken.IsCancellationRequested ? StepExitReason.Cancelled : StepExitReason.TimedOut;
            Kill();
            await _process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
        }

        await Task.WhenAll(_outputDone.Task, _errorDone.Task).WaitAsync(TimeSpan.FromSeconds(10), CancellationToken.None).ConfigureAwait(false);
        return new StepExit(_process.ExitCode, reason, _process.Id);
    }

    /// <summary>
    /// Ends a standby process that got no call. It has run nothing and written nothing, so it is killed rather than
    /// waited for: a run does not wait for a process still starting up only to end it.
    /// </summary>
    public async Task StopStandbyAsync()
    {
        try
        {
            _process.Kill();
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException)
        {
            // Already ended, or the kernel has not reaped it yet: nothing more to do.
        }
    }

    public void Dispose() => _process.Dispose();

    private void Kill()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }
    }

    /// <summary>Passes the output lines to <paramref name="sink"/>: those held so far, then each as it comes.</summary>
    public void SendOutputTo(IStepOutputSink sink)
    {
        lock (_gate)
        {
            foreach (var (text, isError) in _held!)
            {
                sink.Line(text, isError);
            }

            _held = null;
            _sink = sink;
        }
    }

    private void Forward(string? line, bool isError)
    {
        if (line is null)
        {
            (isError ? _errorDone : _outputDone).TrySetResult();
            return;
        }

        lock (_gate)
        {
            if (_sink is null)
            {
                _held!.Add((line, isError));
            }
            else
            {
                _sink.Line(line, isError);
            }
        }
    }
}

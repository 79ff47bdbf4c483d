using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Reflection;
using System.Threading;
using System.Threading.Tasks;

namespace StepOperator.Stacks.Local;

/// <summary>
/// The embedded <c>local</c> step operator: each step call runs as a child process of the pipeline
/// program, through the same generated entrypoint a container starts with. Only Timeout is
/// enforced; other resources are reported as ignored.
/// </summary>
public sealed class LocalProcessStepOperator : IStepOperator
{
    private readonly IReadOnlyList<string> _command;

    /// <param name="command">The program to start (file, then leading arguments); defaults to this program.</param>
    /// <param name="name">The operator's registered name.</param>
    public LocalProcessStepOperator(IReadOnlyList<string>? command = null, string name = "local")
    {
        _command = command ?? CurrentProgram();
        Name = name;
    }

    public string Name { get; }

    public IReadOnlyList<string> UnenforcedSettings(StepSettings settings)
    {
        var ignored = new List<string>();
        void Add(string name, string? value)
        {
            if (value is not null)
            {
                ignored.Add($"{name} = {value}");
            }
        }

        Add(nameof(settings.Gpu), settings.Gpu is null ? null : $"\"{settings.Gpu}\"");
        Add(nameof(settings.GpuCount), settings.GpuCount?.ToString(CultureInfo.InvariantCulture));
        Add(nameof(settings.CpuCount), settings.CpuCount?.ToString(CultureInfo.InvariantCulture));
        Add(nameof(settings.Memory), settings.Memory is null ? null : $"\"{settings.Memory}\"");
        Add(nameof(settings.Region), settings.Region is null ? null : $"\"{settings.Region}\"");
        Add(nameof(settings.Cloud), settings.Cloud is null ? null : $"\"{settings.Cloud}\"");
        Add(nameof(settings.ModalEnvironment), settings.ModalEnvironment is null ? null : $"\"{settings.ModalEnvironment}\"");
        return ignored;
    }

    public async Task<StepExit> RunAsync(StepLaunch launch, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(_command[0])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
            UseShellExecute = false,
        };
        for (var i = 1; i < _command.Count; i++)
        {
            start.ArgumentList.Add(_command[i]);
        }

        foreach (var argument in launch.EntrypointArguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var secret in SecretVariables.Names)
        {
            start.Environment.Remove(secret);
        }

        foreach (var (name, value) in launch.Environment)
        {
            start.Environment[name] = value;
        }

        using var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var outputDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var errorDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) => Forward(e.Data, isError: false, outputDone);
        process.ErrorDataReceived += (_, e) => Forward(e.Data, isError: true, errorDone);

        void Forward(string? line, bool isError, TaskCompletionSource done)
        {
            if (line is null)
            {
                done.TrySetResult();
            }
            else
            {
                launch.Output.Line(line, isError);
            }
        }

        if (!process.Start())
        {
            throw new InvalidOperationException($"Could not start step '{launch.Step.Name}' ({_command[0]}).");
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(launch.Step.Settings.EffectiveTimeout));
        using var either = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        var reason = StepExitReason.Exited;
        try
        {
            await process.WaitForExitAsync(either.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            reason = cancellationToken.IsCancellationRequested ? StepExitReason.Cancelled : StepExitReason.TimedOut;
            Kill(process);
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
        }

        await Task.WhenAll(outputDone.Task, errorDone.Task).WaitAsync(TimeSpan.FromSeconds(10), CancellationToken.None).ConfigureAwait(false);
        return new StepExit(process.ExitCode, reason, process.Id);
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }
    }

    /// <summary>This program, as a command that starts it again: its apphost, or dotnet with its assembly.</summary>
    public static IReadOnlyList<string> CurrentProgram()
    {
        var host = Environment.ProcessPath ?? throw new InvalidOperationException("Cannot tell which program is running.");
        var entry = Assembly.GetEntryAssembly()?.Location;
        var hostName = Path.GetFileNameWithoutExtension(host);
        return string.Equals(hostName, "dotnet", StringComparison.OrdinalIgnoreCase) && !string.IsNullOrEmpty(entry)
            ? new[] { host, entry }
            : new[] { host };
    }
}

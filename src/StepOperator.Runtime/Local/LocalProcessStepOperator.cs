using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Reflection;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using StepOperator.Stacks;

namespace StepOperator.Local;

/// <summary>
/// The embedded <c>local</c> step operator: each step call runs as a child process of the pipeline
/// program, through the same generated entrypoint a container starts with. Only Timeout is
/// enforced; other resources are reported as ignored.
/// </summary>
/// <remarks>
/// With <c>standby</c> on (the default), the next step process is started before a call needs it: the run's
/// first when the run prepares, each next one as soon as the previous is handed a call. It starts the runtime
/// and loads the program while the run does other work, then gets its call on standard input
/// (<see cref="Execution.StepStandby"/>); each process still runs exactly one call. A run kills its unused standby
/// process when the stack is disposed; an orchestrator that dies ends it too (its input closes).
/// </remarks>
internal sealed class LocalProcessStepOperator : IStepOperator, IAsyncDisposable
{
    private readonly IReadOnlyList<string> _command;
    private readonly StandbyStepProcesses? _standby;

    /// <param name="command">The program to start (file, then leading arguments); defaults to this program.</param>
    /// <param name="name">The operator's registered name.</param>
    /// <param name="standby">Start each next step process ahead of its call (see the remarks).</param>
    public LocalProcessStepOperator(IReadOnlyList<string>? command = null, string name = "local", bool standby = true)
    {
        _command = command ?? CurrentProgram();
        Name = name;
        _standby = standby ? new StandbyStepProcesses(_command) : null;
    }

    // The local operators of one stack share their standby process (StackFactory), so a stack keeps one ready, not one each.
    internal LocalProcessStepOperator(IReadOnlyList<string> command, string name, StandbyStepProcesses? standby)
    {
        _command = command;
        Name = name;
        _standby = standby;
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
        Add(nameof(settings.CpuLimit), settings.CpuLimit?.ToString(CultureInfo.InvariantCulture));
        Add(nameof(settings.Memory), settings.Memory is null ? null : $"\"{settings.Memory}\"");
        Add(nameof(settings.MemoryLimit), settings.MemoryLimit is null ? null : $"\"{settings.MemoryLimit}\"");
        Add(nameof(settings.Region), settings.Region is null ? null : $"\"{settings.Region}\"");
        Add(nameof(settings.Cloud), settings.Cloud is null ? null : $"\"{settings.Cloud}\"");
        Add(nameof(settings.ModalEnvironment), settings.ModalEnvironment is null ? null : $"\"{settings.ModalEnvironment}\"");
        return ignored;
    }

    /// <summary>Starts the run's first step process on standby, so the first call does not wait for a runtime to start.</summary>
    public Task PrepareAsync(ILogger log, CancellationToken cancellationToken)
    {
        _standby?.KeepOneReady();
        return Task.CompletedTask;
    }

    public async Task<StepExit> RunAsync(StepLaunch launch, CancellationToken cancellationToken)
    {
        using var process = _standby is null ? StepChildProcess.StartFor(_command, launch) : _standby.Dispatch(launch);
        return await process.WaitAsync(TimeSpan.FromSeconds(launch.Step.Settings.EffectiveTimeout), cancellationToken).ConfigureAwait(false);
    }

    public ValueTask DisposeAsync() => _standby?.DisposeAsync() ?? ValueTask.CompletedTask;

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

using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.Extensions.Configuration;
using StepOperator.Components;
using StepOperator.Flavors;

namespace StepOperator.Configuration;

/// <summary>
/// The effective stack configuration, the .NET way: built-in components and stacks, then the
/// user-level file (registrations, secrets; owner-only), then the project's stepoperator.json, then
/// STEPOPERATOR_-prefixed environment variables (STEPOPERATOR_StepOperators__modal__TokenSecret=...).
/// Later sources win.
/// </summary>
public sealed class StackConfiguration
{
    public const string ProjectFileName = "stepoperator.json";
    internal const string ConfigPathVariable = "STEPOPERATOR_CONFIG";
    public const string LocalName = "local";

    private readonly Dictionary<(ComponentType, string), ComponentDefinition> _components = new();
    private readonly Dictionary<string, StackDefinition> _stacks = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, Dictionary<string, string>> _stepOverrides = new(StringComparer.Ordinal);

    private StackConfiguration(string userFile)
    {
        UserFilePath = userFile;
    }

    /// <summary>The user-level file that registration commands write.</summary>
    internal string UserFilePath { get; }

    /// <summary>The stack runs use when none is named (ActiveStack; "local" when unset).</summary>
    internal string ActiveStack { get; private set; } = LocalName;

    public IReadOnlyDictionary<string, StackDefinition> Stacks => _stacks;

    /// <summary>Per-step settings overrides from configuration (Steps:&lt;step&gt;:&lt;Property&gt;).</summary>
    internal IReadOnlyDictionary<string, Dictionary<string, string>> StepOverrides => _stepOverrides;

    /// <summary>The user-level file: $STEPOPERATOR_CONFIG, else $XDG_CONFIG_HOME/stepoperator/config.json, else ~/.config/stepoperator/config.json.</summary>
    internal static string DefaultUserFile()
    {
        if (Environment.GetEnvironmentVariable(ConfigPathVariable) is { Length: > 0 } configured)
        {
            return Path.GetFullPath(configured);
        }

        var configHome = Environment.GetEnvironmentVariable("XDG_CONFIG_HOME") is { Length: > 0 } xdg
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config");
        return Path.Combine(configHome, "stepoperator", "config.json");
    }

    internal static StackConfiguration Load(string? userFile = null, string? projectDirectory = null)
    {
        userFile ??= DefaultUserFile();
        var projectFile = Path.Combine(projectDirectory ?? Directory.GetCurrentDirectory(), ProjectFileName);
        var builder = new ConfigurationBuilder();

        // Each file is checked (one line with its position for anything StepOperator would not read), then the
        // configuration system reads the very bytes that were checked.
        var user = ConfigurationFile.Read(userFile);
        if (user is not null)
        {
            builder.AddJsonStream(new MemoryStream(user.Json, writable: false));
        }

        var project = ConfigurationFile.Read(projectFile, user?.Flavors);
        if (project is not null)
        {
            builder.AddJsonStream(new MemoryStream(project.Json, writable: false));
        }

        ConfigurationFile.CheckFlavors(user, project);

        builder.AddEnvironmentVariables("STEPOPERATOR_");
        var configuration = new StackConfiguration(userFile);
        configuration.AddBuiltIns();
        configuration.Read(builder.Build());
        return configuration;
    }

    public IReadOnlyList<ComponentDefinition> Components(ComponentType type) =>
        _components.Values.Where(c => c.Type == type).OrderBy(c => c.Name, StringComparer.Ordinal).ToList();

    public ComponentDefinition? FindComponent(ComponentType type, string name) =>
        _components.GetValueOrDefault((type, name.ToLowerInvariant()));

    public StackDefinition? FindStack(string name) => _stacks.GetValueOrDefault(name);

    /// <summary>True for stacks that come with StepOperator or an installed flavor and cannot be changed.</summary>
    internal static bool IsBuiltInStack(string name) =>
        FlavorCatalog.All.Any(flavor => flavor.BuiltInStacks().Any(stack => string.Equals(stack.Name, name, StringComparison.OrdinalIgnoreCase)));

    private void AddBuiltIns()
    {
        foreach (var flavor in FlavorCatalog.All)
        {
            foreach (var builtIn in flavor.BuiltIns)
            {
                Add(builtIn.Definition(flavor));
            }
        }

        foreach (var flavor in FlavorCatalog.All)
        {
            foreach (var component in flavor.FromEnvironment())
            {
                Add(component);
            }

            foreach (var stack in flavor.BuiltInStacks())
            {
                _stacks[stack.Name] = stack;
            }
        }
    }

    private void Read(IConfiguration configuration)
    {
        if (configuration["ActiveStack"] is { Length: > 0 } active)
        {
            ActiveStack = active;
        }

        foreach (var type in ComponentTypes.All)
        {
            foreach (var section in configuration.GetSection(type.SectionName()).GetChildren())
            {
                var settings = section.GetChildren()
                    .Where(child => child.Value is not null && !string.Equals(child.Key, "Flavor", StringComparison.OrdinalIgnoreCase))
                    .ToDictionary(child => child.Key, child => child.Value!, StringComparer.OrdinalIgnoreCase);
                var existing = FindComponent(type, section.Key);
                var flavor = section["Flavor"] ?? existing?.Flavor ?? throw new StackConfigurationException(
                    $"{type.CommandName()} '{section.Key}' in the configuration has no Flavor. Use one of: {string.Join(", ", FlavorCatalog.KnownNames(type))}.");
                if (existing is not null)
                {
                    foreach (var (key, value) in existing.Settings.Where(pair => !settings.ContainsKey(pair.Key)))
                    {
                        settings[key] = value;
                    }
                }

                Add(new ComponentDefinition(section.Key, type, flavor, settings));
            }
        }

        foreach (var section in configuration.GetSection("Stacks").GetChildren())
        {
            var existing = FindStack(section.Key);
            _stacks[section.Key] = new StackDefinition(
                section.Key,
                section["Orchestrator"] ?? existing?.Orchestrator ?? LocalName,
                section["ArtifactStore"] ?? existing?.ArtifactStore ?? LocalName,
                section["StepOperator"] ?? existing?.StepOperator,
                section["ContainerRegistry"] ?? existing?.ContainerRegistry,
                section["ImageBuilder"] ?? existing?.ImageBuilder);
        }

        foreach (var step in configuration.GetSection("Steps").GetChildren())
        {
            _stepOverrides[step.Key] = step.GetChildren().Where(c => c.Value is not null)
                .ToDictionary(c => c.Key, c => c.Value!, StringComparer.OrdinalIgnoreCase);
        }
    }

    private void Add(ComponentDefinition component)
    {
        // A flavor of a package the program does not reference is kept: only a stack that uses it is refused, naming the package.
        if (!FlavorCatalog.KnownNames(component.Type).Contains(component.Flavor, StringComparer.Ordinal))
        {
            throw new StackConfigurationException(FlavorCatalog.Missing(component.Type, component.Flavor, usedBy: component.Describe()));
        }

        _components[(component.Type, component.Name.ToLowerInvariant())] = component;
    }
}

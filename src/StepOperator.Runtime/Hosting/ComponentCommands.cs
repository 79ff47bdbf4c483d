using System;
using System.Collections.Generic;
using System.CommandLine;
using System.IO;
using System.Linq;
using StepOperator.Components;
using StepOperator.Configuration;
using StepOperator.Flavors;

namespace StepOperator.Hosting;

/// <summary>
/// <c>step-operator register|update|list|describe|delete</c> and the same for the other component
/// types, mirroring ZenML's <c>zenml step-operator register NAME --flavor=modal --token_id=...</c>.
/// </summary>
internal static class ComponentCommands
{
    public static Command For(ComponentType type, TextWriter output, HostContext context)
    {
        var command = new Command(type.CommandName(), $"Register and inspect {type.CommandName()} components (flavors: {FlavorCatalog.Describe(type)}).");

        var registerName = new Argument<string>("name") { Description = "The component's name." };
        var flavor = new Option<string>("--flavor", "-f") { Description = $"One of: {string.Join(", ", FlavorCatalog.Of(type).Select(f => f.Name))}.", Required = true };
        var register = new Command("register", FlavorCommands.RegisterHelp(type))
        {
            registerName, flavor,
        };
        register.TreatUnmatchedTokensAsErrors = false;
        register.SetAction(parse =>
        {
            var name = parse.GetValue(registerName)!;
            var file = context.OpenUserFile();
            var configuration = context.LoadConfiguration();
            if (FlavorCatalog.IsBuiltIn(type, name) || configuration.FindComponent(type, name) is not null)
            {
                throw new StackConfigurationException(
                    $"{type.CommandName()} '{name}' already exists. Change it with: {ProgramCommands.Prefix} {type.CommandName()} update {name} --setting=value, or pick another name.");
            }

            var component = new ComponentDefinition(name, type, parse.GetValue(flavor)!, ParseSettings(parse.UnmatchedTokens));
            Check(component);
            file.SetComponent(component);
            file.Save();
            output.WriteLine($"Registered {component}.");
            output.WriteLine($"Saved to {file.Path} (readable by you only).");
        });
        command.Subcommands.Add(register);

        var updateName = new Argument<string>("name") { Description = "The component's name." };
        var update = new Command("update", "Changes a registered component's settings (--setting_name=value; an empty value removes it).") { updateName };
        update.TreatUnmatchedTokensAsErrors = false;
        update.SetAction(parse =>
        {
            var name = parse.GetValue(updateName)!;
            var file = context.OpenUserFile();
            var existing = Registered(type, name, context.LoadConfiguration());
            var settings = new Dictionary<string, string>(existing.Settings, StringComparer.OrdinalIgnoreCase);
            foreach (var (key, value) in ParseSettings(parse.UnmatchedTokens))
            {
                if (value.Length == 0)
                {
                    settings.Remove(key);
                }
                else
                {
                    settings[key] = value;
                }
            }

            var component = existing with { Settings = settings };
            Check(component);
            file.SetComponent(component);
            file.Save();
            output.WriteLine($"Updated {component}.");
        });
        command.Subcommands.Add(update);

        var list = new Command("list", $"Lists the {type.CommandName()} components.");
        list.SetAction(_ =>
        {
            var configuration = context.LoadConfiguration();
            foreach (var component in configuration.Components(type))
            {
                var builtIn = FlavorCatalog.IsBuiltIn(type, component.Name) ? " (built-in)" : string.Empty;
                var usedBy = configuration.Stacks.Values.Where(s => string.Equals(s.ComponentOf(type), component.Name, StringComparison.OrdinalIgnoreCase)).Select(s => s.Name).ToList();
                output.WriteLine($"{component.Name,-20} {component.Flavor,-8}{builtIn}{(usedBy.Count > 0 ? "  stacks: " + string.Join(", ", usedBy) : string.Empty)}");
            }
        });
        command.Subcommands.Add(list);

        var describeName = new Argument<string>("name") { Description = "The component's name." };
        var describe = new Command("describe", "Shows a component's flavor and settings (secrets masked).") { describeName };
        describe.SetAction(parse =>
        {
            var component = Registered(type, parse.GetValue(describeName)!, context.LoadConfiguration());
            output.WriteLine($"{type.CommandName()} '{component.Name}'");
            output.WriteLine($"  flavor: {component.Flavor}");
            var shown = component.ShownSettings.ToList();
            foreach (var (key, value) in shown.Where(pair => !StepDefaults.IsStepDefault(component, pair.Key)))
            {
                output.WriteLine($"  {ComponentDefinition.ToOptionName(key)}: {value}");
            }

            var defaults = shown.Where(pair => StepDefaults.IsStepDefault(component, pair.Key)).ToList();
            if (defaults.Count > 0)
            {
                output.WriteLine("  defaults for its steps (a step that sets one itself keeps its own):");
                foreach (var (key, value) in defaults)
                {
                    output.WriteLine($"    {ComponentDefinition.ToOptionName(key)}: {value}");
                }
            }
        });
        command.Subcommands.Add(describe);

        var deleteName = new Argument<string>("name") { Description = "The component's name." };
        var delete = new Command("delete", "Deletes a registered component that no stack uses.") { deleteName };
        delete.SetAction(parse =>
        {
            var name = parse.GetValue(deleteName)!;
            var file = context.OpenUserFile();
            var configuration = context.LoadConfiguration();
            Registered(type, name, configuration);
            if (FlavorCatalog.IsBuiltIn(type, name))
            {
                throw new StackConfigurationException($"{type.CommandName()} '{name}' is built in and cannot be deleted.");
            }

            var users = configuration.Stacks.Values.Where(s => string.Equals(s.ComponentOf(type), name, StringComparison.OrdinalIgnoreCase)).Select(s => s.Name).ToList();
            if (users.Count > 0)
            {
                throw new StackConfigurationException(
                    $"{type.CommandName()} '{name}' is used by stack(s) {string.Join(", ", users)}. Change them first: {ProgramCommands.Prefix} stack update {users[0]} {type.StackOption()} <other>.");
            }

            file.RemoveComponent(type, name);
            file.Save();
            output.WriteLine($"Deleted {type.CommandName()} '{name}'.");
        });
        command.Subcommands.Add(delete);
        return command;
    }

    public static ComponentDefinition Registered(ComponentType type, string name, StackConfiguration configuration) =>
        configuration.FindComponent(type, name) ?? throw new StackConfigurationException(
            $"No {type.CommandName()} named '{name}'. Registered: {string.Join(", ", configuration.Components(type).Select(c => c.Name))}. " +
            $"Register it: {ProgramCommands.Prefix} {type.CommandName()} register {name} --flavor=<{string.Join("|", FlavorCatalog.Of(type).Select(f => f.Name))}>.");

    /// <summary>Reads --setting_name=value and --setting_name value pairs, as ZenML takes them.</summary>
    private static Dictionary<string, string> ParseSettings(IReadOnlyList<string> tokens)
    {
        var settings = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < tokens.Count; i++)
        {
            var token = tokens[i];
            if (!token.StartsWith("--", StringComparison.Ordinal) || token.Length < 3)
            {
                throw new StackConfigurationException($"'{token}' is not a setting; write settings as --name=value.");
            }

            var equals = token.IndexOf('=');
            string key;
            string value;
            if (equals > 0)
            {
                key = token[2..equals];
                value = token[(equals + 1)..];
            }
            else if (i + 1 < tokens.Count && !tokens[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                key = token[2..];
                value = tokens[++i];
            }
            else
            {
                throw new StackConfigurationException($"Setting {token} has no value; write {token}=value.");
            }

            settings[ComponentDefinition.ToSettingName(key)] = value;
        }

        return settings;
    }

    /// <summary>
    /// The settings each flavor needs and takes, and its step defaults checked by the analyzer's rules: checked at
    /// registration and update, so a setting that could not work is never stored.
    /// </summary>
    private static void Check(ComponentDefinition component)
    {
        var flavor = FlavorCatalog.Require<Flavor>(component.Type, component.Flavor);
        var problems = new List<string>();
        if (FlavorSettings.Unknown(component) is { } unknown)
        {
            problems.Add(unknown);
        }

        problems.AddRange(FlavorSettings.MissingRequired(component));

        // A value read from the environment (env:NAME) is checked when it is used, as the other settings are.
        string? Stored(string setting) =>
            component.Settings.FirstOrDefault(pair => string.Equals(pair.Key, setting, StringComparison.OrdinalIgnoreCase)).Value is { } value
            && !value.StartsWith("env:", StringComparison.Ordinal) ? value : null;
        problems.AddRange(FlavorSettings.InvalidValues(component, Stored));
        problems.AddRange(flavor.CheckSettings(component, Stored));
        problems.AddRange(StepDefaults.Read(component, Stored).Problems.Select(problem => problem.ToString()));
        if (problems.Count > 0)
        {
            throw new StackConfigurationException(
                $"{component.Describe()} was not saved:" + string.Concat(problems.Select(problem => Environment.NewLine + "  - " + problem)));
        }
    }
}

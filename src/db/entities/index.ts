import { User } from './User.js';
import { Session } from './Session.js';
import { LoginAddress } from './LoginAddress.js';
import { World } from './World.js';
import { Achievement } from './Achievement.js';
import { WorldChunk } from './WorldChunk.js';
import { Character } from './Character.js';
import { CharacterRelationship } from './CharacterRelationship.js';
import { CharacterSkill } from './CharacterSkill.js';
import { InventoryItem } from './InventoryItem.js';
import { Story } from './Story.js';
import { StoryBranch } from './StoryBranch.js';
import { PlayerChoice } from './PlayerChoice.js';
import { Quest } from './Quest.js';
import { QuestObjective } from './QuestObjective.js';
import { QuestProgress } from './QuestProgress.js';
import { AiAgent } from './AiAgent.js';
import { AgentMemory } from './AgentMemory.js';
import { WorldEvolutionLog } from './WorldEvolutionLog.js';
import { WorldEvent } from './WorldEvent.js';
import { CraftingRecipe } from './CraftingRecipe.js';
import { Spell } from './Spell.js';
import { MagicEvent } from './MagicEvent.js';
import { LootGrant } from './LootGrant.js';
import { LlmUsage } from './LlmUsage.js';
import { NpcInteraction } from './NpcInteraction.js';

export {
  User,
  Session,
  LoginAddress,
  World,
  Achievement,
  WorldChunk,
  Character,
  CharacterRelationship,
  CharacterSkill,
  InventoryItem,
  Story,
  StoryBranch,
  PlayerChoice,
  Quest,
  QuestObjective,
  QuestProgress,
  AiAgent,
  AgentMemory,
  WorldEvolutionLog,
  WorldEvent,
  CraftingRecipe,
  Spell,
  MagicEvent,
  LootGrant,
  LlmUsage,
  NpcInteraction,
};
export type { IUser } from './User.js';
export type { ISession } from './Session.js';
export type { ILoginAddress } from './LoginAddress.js';
export type { IWorld } from './World.js';
export type { IAchievement } from './Achievement.js';
export type { IWorldChunk } from './WorldChunk.js';
export type { ICharacter, CharacterStats } from './Character.js';
export type { ICharacterRelationship } from './CharacterRelationship.js';
export type { ICharacterSkill } from './CharacterSkill.js';
export type { IInventoryItem } from './InventoryItem.js';
export type { IStory } from './Story.js';
export type { IStoryBranch } from './StoryBranch.js';
export type { IPlayerChoice } from './PlayerChoice.js';
export type { IQuest } from './Quest.js';
export type { IQuestObjective } from './QuestObjective.js';
export type { IQuestProgress, QuestStatus } from './QuestProgress.js';
export { QUEST_STATUSES } from './QuestProgress.js';
export type { IAiAgent } from './AiAgent.js';
export type { IAgentMemory } from './AgentMemory.js';
export type { IWorldEvolutionLog } from './WorldEvolutionLog.js';
export type { IWorldEvent, WorldEventStatus } from './WorldEvent.js';
export { WORLD_EVENT_STATUSES } from './WorldEvent.js';
export type { ICraftingRecipe, RecipeIngredient } from './CraftingRecipe.js';
export type { ISpell } from './Spell.js';
export type { IMagicEvent } from './MagicEvent.js';
export type { ILootGrant } from './LootGrant.js';
export type { ILlmUsage } from './LlmUsage.js';
export type { INpcInteraction } from './NpcInteraction.js';

/** Every entity, for MikroORM discovery. */
export const entities = [
  User,
  Session,
  LoginAddress,
  World,
  Achievement,
  WorldChunk,
  Character,
  CharacterRelationship,
  CharacterSkill,
  InventoryItem,
  Story,
  StoryBranch,
  PlayerChoice,
  Quest,
  QuestObjective,
  QuestProgress,
  AiAgent,
  AgentMemory,
  WorldEvolutionLog,
  WorldEvent,
  CraftingRecipe,
  Spell,
  MagicEvent,
  LootGrant,
  LlmUsage,
  NpcInteraction,
];

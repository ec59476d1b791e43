import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsIn, IsString, Matches, MaxLength, MinLength, ValidateNested } from 'class-validator';
import { ID_MESSAGE, ID_PATTERN, ISO3_PATTERN, IsLocalDate, Omittable } from '../../platform/http/validators.js';
import { OBSTACLES, RESPONSE_GROUPS, type MissionKind, type Obstacle, type ResponseGroup } from '../domain/outreach.events.js';

const ISO3_MESSAGE = 'must be an upper-case ISO 3166-1 alpha-3 code, like NOR';
/** The most items one bulk request carries. */
export const MAX_BATCH = 500;

type Decorator = (target: object, key: string | symbol) => void;
/** Several property decorators as one: each field's rules are written once and shared by the single and bulk forms. */
const all = (...decorators: Decorator[]) => (target: object, key: string | symbol) => decorators.forEach((d) => d(target, key));

const Iso3 = (field: string) => all(ApiProperty({ example: 'KEN' }), IsString(), Matches(ISO3_PATTERN, { message: `${field} ${ISO3_MESSAGE}` }));
const Id = (field: string, example: string) => all(ApiProperty({ example }), IsString(), Matches(ID_PATTERN, { message: `${field} ${ID_MESSAGE}` }));
const OptionalMissionId = () =>
  all(ApiPropertyOptional({ example: 'nor-nairobi', description: 'the mission that acted; left out: your own mission, or the campaign\'s one mission accredited to the country' }), Omittable(), IsString(), Matches(ID_PATTERN, { message: `missionId ${ID_MESSAGE}` }));
const Day = (example: string) => all(ApiProperty({ example }), IsLocalDate());
const Flag = (description?: string) => all(ApiPropertyOptional(description ? { description } : {}), Omittable(), IsBoolean());
const Confidential = (max: number) => all(ApiPropertyOptional({ description: 'stored encrypted with the mission\'s key' }), Omittable(), IsString(), MaxLength(max));
const CosignedBy = () =>
  all(
    ApiPropertyOptional({ example: ['JPN', 'PRT'], type: [String], description: 'the states that signed the letter; default the campaign\'s coordinators' }),
    Omittable(),
    IsArray(),
    ArrayMinSize(1),
    ArrayMaxSize(10),
    Matches(ISO3_PATTERN, { each: true, message: `each of cosignedBy ${ISO3_MESSAGE}` }),
  );
const Group = () => all(ApiProperty({ enum: RESPONSE_GROUPS }), IsIn(RESPONSE_GROUPS, { message: 'group must be "I", "II" or "III"' }));
const Obstacles = () =>
  all(
    ApiPropertyOptional({ enum: OBSTACLES, isArray: true }),
    Omittable(),
    IsArray(),
    ArrayMaxSize(OBSTACLES.length),
    IsIn(OBSTACLES, { each: true, message: `each obstacle must be one of ${OBSTACLES.join(', ')}` }),
  );
/** The names of the people met: confidential, sealed with the mission's key like the notes. */
const Interlocutors = () =>
  all(
    ApiPropertyOptional({ type: [String], maxItems: 20, example: ['Director of Legal Affairs'], description: 'names of the people met (each at most 200 characters); stored encrypted' }),
    Omittable(),
    IsArray(),
    ArrayMaxSize(20),
    IsString({ each: true, message: 'each of interlocutors must be a name (text)' }),
    MinLength(1, { each: true, message: 'each of interlocutors must be 1 to 200 characters' }),
    MaxLength(200, { each: true, message: 'each of interlocutors must be 1 to 200 characters' }),
  );
const Items = (type: () => new () => object, description: string) =>
  all(ApiProperty({ type: [type()], description: `${description} (1 to ${MAX_BATCH})` }), IsArray(), ArrayMinSize(1), ArrayMaxSize(MAX_BATCH), ValidateNested({ each: true }), Type(type));

export class RegisterMissionDto {
  @Id('id', 'nor-geneva') id!: string;
  @ApiProperty({ example: 'Permanent Mission of Norway in Geneva' }) @IsString() @MinLength(1) @MaxLength(200) name!: string;
  @ApiProperty({ enum: ['resident', 'non-resident'] }) @IsIn(['resident', 'non-resident'], { message: 'kind must be "resident" or "non-resident"' }) kind!: MissionKind;
  @Iso3('coordinator') coordinator!: string;
  @ApiProperty({ example: ['KEN'], type: [String] })
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(60) @Matches(ISO3_PATTERN, { each: true, message: `each of accreditedTo ${ISO3_MESSAGE}` })
  accreditedTo!: string[];
}

export class LaunchCampaignDto {
  @Id('id', 'ccm-2026') id!: string;
  @ApiProperty({ example: 'CCM' }) @IsString() @Matches(/^[A-Z][A-Z0-9-]{1,15}$/, { message: 'treaty must be a treaty code such as CCM' }) treaty!: string;
  @ApiProperty() @IsString() @MinLength(1) @MaxLength(200) title!: string;
  @ApiProperty({ example: ['NOR', 'NZL'], type: [String] })
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(10) @Matches(ISO3_PATTERN, { each: true, message: `each of coordinators ${ISO3_MESSAGE}` })
  coordinators!: string[];
  @Day('2026-01-15') startsOn!: string;
}

class CountryOutreachDto {
  @Id('campaignId', 'ccm-2026') campaignId!: string;
  @Id('missionId', 'nor-nairobi') missionId!: string;
}

export class DeliverLetterDto extends CountryOutreachDto {
  @Day('2026-02-01') deliveredOn!: string;
  @CosignedBy() cosignedBy?: string[];
}

export class HoldMeetingDto extends CountryOutreachDto {
  @Day('2026-02-10') heldOn!: string;
  @Confidential(4000) summary?: string;
  @Interlocutors() interlocutors?: string[];
}

export class RecordResponseDto extends CountryOutreachDto {
  @Day('2026-02-20') receivedOn!: string;
  @Group() group!: ResponseGroup;
  @Flag() ratificationUnderWay?: boolean;
  @Flag() wishesToSign?: boolean;
  @Flag('Group I: the state announced its deposit (the report lists it apart, as expected to join soon)') depositAnnounced?: boolean;
  @Obstacles() obstacles?: Obstacle[];
  @Confidential(4000) notes?: string;
  @Interlocutors() interlocutors?: string[];
}

/** One country of a bulk request, and the mission that acted there. */
class BatchItemDto {
  @Iso3('country') country!: string;
  @OptionalMissionId() missionId?: string;
}

export class LetterItemDto extends BatchItemDto {
  @Day('2012-06-15') deliveredOn!: string;
  @CosignedBy() cosignedBy?: string[];
}

export class MeetingItemDto extends BatchItemDto {
  @Day('2012-07-02') heldOn!: string;
  @Confidential(4000) summary?: string;
  @Interlocutors() interlocutors?: string[];
}

export class ResponseItemDto extends BatchItemDto {
  @Day('2012-07-20') receivedOn!: string;
  @Group() group!: ResponseGroup;
  @Flag() ratificationUnderWay?: boolean;
  @Flag() wishesToSign?: boolean;
  @Flag('Group I: the state announced its deposit') depositAnnounced?: boolean;
  @Obstacles() obstacles?: Obstacle[];
  @Confidential(4000) notes?: string;
  @Interlocutors() interlocutors?: string[];
}

/** Letters of one campaign: the same letter to many countries, or deliveries each with its own day and mission. */
export class LettersBatchDto {
  @OptionalMissionId() missionId?: string;
  @ApiPropertyOptional({ example: '2012-06-15', description: 'with countries: the day the letters were delivered' }) @Omittable() @IsLocalDate() deliveredOn?: string;
  @CosignedBy() cosignedBy?: string[];
  @ApiPropertyOptional({ type: [String], example: ['KEN', 'UGA'], description: `the countries that got the letter (1 to ${MAX_BATCH}); or use deliveries` })
  @Omittable() @IsArray() @ArrayMinSize(1) @ArrayMaxSize(MAX_BATCH) @Matches(ISO3_PATTERN, { each: true, message: `each of countries ${ISO3_MESSAGE}` })
  countries?: string[];
  @ApiPropertyOptional({ type: [LetterItemDto], description: `each delivery with its own day and mission (1 to ${MAX_BATCH}); or use countries` })
  @Omittable() @IsArray() @ArrayMinSize(1) @ArrayMaxSize(MAX_BATCH) @ValidateNested({ each: true }) @Type(() => LetterItemDto)
  deliveries?: LetterItemDto[];
}

export class MeetingsBatchDto {
  @Items(() => MeetingItemDto, 'the meetings') meetings!: MeetingItemDto[];
}

export class ResponsesBatchDto {
  @Items(() => ResponseItemDto, 'the responses') responses!: ResponseItemDto[];
}

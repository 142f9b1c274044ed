//! Bulk test data: many rows in multi-row INSERTs, for tests that need size.

use crate::fixtures::{YEAR, day};
use entity::enums::*;
use entity::*;
use sea_orm::{ActiveValue::NotSet, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, Set};

const CHUNK: usize = 1000;

async fn insert_chunks<A, E>(db: &DatabaseConnection, rows: Vec<A>)
where
    A: sea_orm::ActiveModelTrait<Entity = E> + Send,
    E: EntityTrait,
{
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<A> = rows.by_ref().take(CHUNK).collect();
        E::insert_many(chunk)
            .exec_without_returning(db)
            .await
            .expect("bulk insert");
    }
}

/// `n` sections of 25 students at `school` taught by `teacher`, the first `administered` of
/// them with an ADMINISTERED survey `survey`.
pub async fn sections_with_administrations(
    db: &DatabaseConnection,
    school: i32,
    teacher: i32,
    survey: i32,
    n: usize,
    administered: usize,
) {
    let sections = (0..n)
        .map(|i| section::ActiveModel {
            id: NotSet,
            school_id: Set(school),
            section_code: Set(format!("B{i:06}")),
            school_year: Set(YEAR),
            course_name: Set("Bulk".into()),
            grade_band: Set(None),
            enrolled_count: Set(25),
        })
        .collect();
    insert_chunks(db, sections).await;
    let ids: Vec<i32> = section::Entity::find()
        .filter(section::Column::SchoolId.eq(school))
        .filter(section::Column::SectionCode.starts_with("B"))
        .order_by_asc(section::Column::Id)
        .all(db)
        .await
        .unwrap()
        .iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(ids.len(), n);
    let links = ids
        .iter()
        .map(|&section| section_teacher::ActiveModel {
            id: NotSet,
            section_id: Set(section),
            staff_id: Set(teacher),
            role: Set(SectionRole::TeacherOfRecord),
            begin_date: Set(None),
            end_date: Set(None),
        })
        .collect();
    insert_chunks(db, links).await;
    let administrations = ids
        .iter()
        .take(administered)
        .map(|&section| survey_administration::ActiveModel {
            version: NotSet,
            id: NotSet,
            survey_id: Set(survey),
            section_id: Set(section),
            teacher_id: Set(teacher),
            status: Set(AdministrationStatus::Administered),
            administered_on: Set(Some(day("2026-03-02"))),
            enrolled_count: Set(25),
            response_count: Set(20),
        })
        .collect();
    insert_chunks(db, administrations).await;
}

/// `n` active staff of `group`, spread over `schools`, each with an assignment and a 2026
/// attendance summary (every tenth absent more than 4% of days).
pub async fn staff_at_schools(db: &DatabaseConnection, group: i32, schools: &[i32], n: usize) {
    let people = (0..n)
        .map(|i| staff::ActiveModel {
            id: NotSet,
            employee_number: Set(format!("B{i:07}")),
            first_name: Set("Bulk".into()),
            last_name: Set(format!("Person {i}")),
            email: Set(None),
            employee_group_id: Set(group),
            hire_date: Set(day("2019-08-01")),
            active: Set(true),
        })
        .collect();
    insert_chunks(db, people).await;
    let ids: Vec<i32> = staff::Entity::find()
        .filter(staff::Column::EmployeeNumber.starts_with("B"))
        .order_by_asc(staff::Column::Id)
        .all(db)
        .await
        .unwrap()
        .iter()
        .map(|s| s.id)
        .collect();
    let assignments = ids
        .iter()
        .enumerate()
        .map(|(i, &person)| assignment::ActiveModel {
            id: NotSet,
            staff_id: Set(person),
            organization_id: Set(schools[i % schools.len()]),
            job_title: Set("Teacher".into()),
            job_class_code: Set("2345".into()),
            supervisory: Set(false),
            management: Set(false),
            begin_date: Set(day("2019-08-01")),
            end_date: Set(None),
        })
        .collect();
    insert_chunks(db, assignments).await;
    let attendance = ids
        .iter()
        .enumerate()
        .map(|(i, &person)| attendance_summary::ActiveModel {
            id: NotSet,
            staff_id: Set(person),
            school_year: Set(YEAR),
            days_expected: Set(180.0),
            days_absent: Set(if i % 10 == 0 { 12.0 } else { 3.0 }),
        })
        .collect();
    insert_chunks(db, attendance).await;
}
